//! Reading what kenyon reads: the MNIST files and `.npy` files, vendored, broken and
//! hostile.

mod allocations;
mod bounded_reads;
mod mnist_loader;
