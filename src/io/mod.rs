//! Files: MNIST's IDX files in, NumPy's `.npy` files in and out, and writing any result
//! file, or a folder of them, atomically.

pub mod atomic_file;
pub mod atomic_folder;
pub mod mnist;
pub mod npy;
