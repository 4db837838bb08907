//! `kenyon view`: the rasters it draws are the simulation's spikes, pixel for pixel, on
//! both backends; its window opens, draws, answers its keys and exits cleanly under
//! Xvfb.
#![cfg(feature = "view")]

#[path = "../common/mod.rs"]
mod common;

mod command;
mod keyboard;
mod raster_pixels;
