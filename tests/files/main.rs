//! Reading what kenyon reads: the MNIST files, vendored and broken.

mod mnist_loader;
