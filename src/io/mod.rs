//! Files: MNIST's IDX files in, NumPy's `.npy` files in and out, and writing any result
//! file atomically.

pub mod atomic_file;
pub mod mnist;
pub mod npy;
