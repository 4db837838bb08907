//! A trained model on disk, as `kenyon train` writes it and `kenyon test` reads it: the
//! learned KC -> MBON weights and the PN -> KC synapses they were learned with, as
//! `.npy` files numpy loads as they are.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::manifest::{self, MODEL_MANIFEST, ManifestError};
use super::{MushroomBody, NUM_KC, NUM_MBON, NUM_PN, mushroom_body_for_testing};
use crate::io::atomic_folder::{FolderError, FolderWriter};
use crate::io::npy::{self, NpyError};
use crate::model::SparseConnectivity;

/// File of the learned weights in a model folder: float32, `NUM_KC x NUM_MBON`, GeNN's
/// dense layout `g[kc][mbon]`.
pub const MODEL_WEIGHTS: &str = "kc_mbon_g.npy";
/// File of the PN -> KC synapses in a model folder: int32, `2 x S`, row 0 PN, row 1 KC.
pub const MODEL_CONNECTIVITY: &str = "pn_kc_connectivity.npy";
/// File of the learned weights' histogram in a model folder, written by `kenyon train`
/// (not read back).
pub const MODEL_HISTOGRAM: &str = "kc_mbon_g_histogram.png";
/// The files of a model that [`TrainedModel::load`] reads, in the manifest's order.
const MODEL_FILES: [&str; 2] = [MODEL_WEIGHTS, MODEL_CONNECTIVITY];

/// Why a model folder could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// A file could not be read (or is not an `.npy` of the expected type).
    #[error("reading {what} (written by `kenyon train`)")]
    Read {
        /// What the file holds.
        what: &'static str,
        /// The file's error, naming it.
        #[source]
        source: NpyError,
    },
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] NpyError),
    /// The folder could not be replaced.
    #[error(transparent)]
    Folder(#[from] FolderError),
    /// The folder's files don't make up one model (see `manifest.json`).
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The synapse file has the wrong shape.
    #[error("{}: expected the shape (2, S) of PN -> KC synapse indices, found {shape:?}", path.display())]
    SynapseShape {
        /// The file.
        path: PathBuf,
        /// Its shape.
        shape: Vec<usize>,
    },
    /// A synapse names a neuron the network does not have.
    #[error("{}: {population} index {index} is out of range 0..{size}", path.display())]
    IndexOutOfRange {
        /// The file.
        path: PathBuf,
        /// "PN" or "KC".
        population: &'static str,
        /// The index found.
        index: i64,
        /// Neurons in the population.
        size: u32,
    },
    /// The weights have the wrong shape.
    #[error("{}: expected KC -> MBON weights of shape {expected:?}, found {shape:?}", path.display())]
    WeightShape {
        /// The file.
        path: PathBuf,
        /// `[NUM_KC, NUM_MBON]`.
        expected: [usize; 2],
        /// Its shape.
        shape: Vec<usize>,
    },
}

/// A trained model: the PN -> KC synapses and the KC -> MBON weights learned with them.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainedModel {
    /// PN of every PN -> KC synapse.
    pub pn: Vec<u32>,
    /// KC of every PN -> KC synapse.
    pub kc: Vec<u32>,
    /// Learned weights, `g[kc][mbon]`.
    pub kc_mbon_g: Vec<f32>,
    /// Training images the weights were learned from, where known.
    pub trained_images: Option<u64>,
}

impl TrainedModel {
    /// The model of a network trained with synapses `pn_kc` that learned `kc_mbon_g`.
    pub fn new(pn_kc: &SparseConnectivity, kc_mbon_g: Vec<f32>) -> Self {
        let (pn, kc) = pn_kc.pre_post_pairs();
        TrainedModel {
            pn,
            kc,
            kc_mbon_g,
            trained_images: None,
        }
    }

    /// Part 5's network with this model's synapses and weights.
    pub fn network(self) -> MushroomBody {
        mushroom_body_for_testing(self.pn, self.kc, self.kc_mbon_g)
    }

    /// Writes the model into the folder `dir` as a whole: see [`begin_save`] and
    /// [`finish_save`](TrainedModel::finish_save).
    pub fn save(&self, dir: &Path) -> Result<(), ModelFileError> {
        self.finish_save(begin_save(dir)?)
    }

    /// Writes [`MODEL_WEIGHTS`], [`MODEL_CONNECTIVITY`] and the manifest that ties them
    /// together into `writer`'s staging folder (beside whatever else, such as
    /// [`MODEL_HISTOGRAM`], was written there), then swaps it in for the model folder.
    /// On any error the folder is left as it was.
    pub fn finish_save(&self, writer: FolderWriter) -> Result<(), ModelFileError> {
        let dir = writer.staging();
        let shape = [NUM_KC as usize, NUM_MBON as usize];
        npy::write_npy(&dir.join(MODEL_WEIGHTS), &shape, &self.kc_mbon_g)?;
        write_pairs(&dir.join(MODEL_CONNECTIVITY), &self.pn, &self.kc)?;
        manifest::write(dir, &MODEL_FILES, self.trained_images)?;
        writer.commit()?;
        Ok(())
    }

    /// Reads a model written by [`save`](TrainedModel::save), refusing a folder whose
    /// files the manifest does not vouch for, a file of the wrong kind or shape, or
    /// synapses outside the networks' populations.
    pub fn load(dir: &Path) -> Result<Self, ModelFileError> {
        let trained_images = manifest::verify(dir, &MODEL_FILES)?;
        let path = dir.join(MODEL_CONNECTIVITY);
        let (shape, ids) = npy::read_npy::<i32>(&path).map_err(|source| ModelFileError::Read {
            what: "the PN -> KC synapses",
            source,
        })?;
        if shape.len() != 2 || shape[0] != 2 {
            return Err(ModelFileError::SynapseShape { path, shape });
        }
        let (pn, kc) = ids.split_at(shape[1]);
        let pn = indices(&path, pn, "PN", NUM_PN)?;
        let kc = indices(&path, kc, "KC", NUM_KC)?;
        let path = dir.join(MODEL_WEIGHTS);
        let (shape, kc_mbon_g) =
            npy::read_npy::<f32>(&path).map_err(|source| ModelFileError::Read {
                what: "the KC -> MBON weights",
                source,
            })?;
        let expected = [NUM_KC as usize, NUM_MBON as usize];
        if shape != expected {
            return Err(ModelFileError::WeightShape {
                path,
                expected,
                shape,
            });
        }
        Ok(TrainedModel {
            pn,
            kc,
            kc_mbon_g,
            trained_images,
        })
    }
}

/// Starts replacing the model folder `dir` (which may not exist yet): checks that it can
/// be written, and that it holds nothing but a model's files, since it is replaced
/// whole. Files written into the returned writer's staging folder become part of the
/// model folder when [`TrainedModel::finish_save`] commits it.
pub fn begin_save(dir: &Path) -> Result<FolderWriter, ModelFileError> {
    Ok(FolderWriter::begin(dir, is_model_file)?)
}

/// Writes the manifest of the model files in `dir` as they are now, vouching that they
/// belong together: for a model folder assembled by hand (weights learned elsewhere and
/// saved with numpy, say). [`TrainedModel::save`] writes its own.
pub fn write_manifest(dir: &Path, trained_images: Option<u64>) -> Result<(), ModelFileError> {
    Ok(manifest::write(dir, &MODEL_FILES, trained_images)?)
}

/// Whether a file in a model folder is one of a model's (or a temporary file of an
/// interrupted write of one), which replacing the folder may remove.
fn is_model_file(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    let ours = [
        MODEL_WEIGHTS,
        MODEL_CONNECTIVITY,
        MODEL_HISTOGRAM,
        MODEL_MANIFEST,
    ];
    ours.iter().any(|&file| {
        name == file
            || name
                .strip_prefix('.')
                .and_then(|rest| rest.strip_prefix(file))
                .is_some_and(|rest| rest.starts_with(".tmp-"))
    })
}

/// `ids` as indices into a population of `size`, or the first that is not one.
fn indices(
    path: &Path,
    ids: &[i32],
    population: &'static str,
    size: u32,
) -> Result<Vec<u32>, ModelFileError> {
    ids.iter()
        .map(|&i| {
            u32::try_from(i).ok().filter(|&i| i < size).ok_or_else(|| {
                ModelFileError::IndexOutOfRange {
                    path: path.to_path_buf(),
                    population,
                    index: i64::from(i),
                    size,
                }
            })
        })
        .collect()
}

/// Writes the synapses of `connectivity` as an int32 `.npy` of shape (2, S): row 0
/// presynaptic, row 1 postsynaptic indices (the tutorial's saved form).
pub fn save_synapses(path: &Path, connectivity: &SparseConnectivity) -> Result<(), NpyError> {
    let (pre, post) = connectivity.pre_post_pairs();
    write_pairs(path, &pre, &post)
}

fn write_pairs(path: &Path, pre: &[u32], post: &[u32]) -> Result<(), NpyError> {
    let data: Vec<i32> = pre.iter().chain(post).map(|&i| i as i32).collect();
    npy::write_npy(path, &[2, pre.len()], &data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_model_loads_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let pn_kc =
            SparseConnectivity::from_pairs(NUM_PN, NUM_KC, &[(0, 5), (783, 19_999), (3, 0)]);
        let g: Vec<f32> = (0..NUM_KC * NUM_MBON).map(|i| i as f32 * 1e-7).collect();
        let model = TrainedModel::new(&pn_kc, g);
        model.save(dir.path()).unwrap();
        assert_eq!(TrainedModel::load(dir.path()).unwrap(), model);
    }
}
