//! A trained model on disk, as `kenyon train` writes it and `kenyon test` reads it: the
//! learned KC -> MBON weights and the PN -> KC synapses they were learned with, as
//! `.npy` files numpy loads as they are.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::manifest::{self, MODEL_MANIFEST, ManifestError};
use super::{MushroomBody, NUM_KC, NUM_MBON, NUM_PN, mushroom_body_for_testing};
use crate::io::atomic_folder::{FolderError, FolderWriter};
use crate::io::npy::{self, NpyError, NpyReader};
use crate::model::SparseConnectivity;

/// File of the learned weights in a model folder: float32 (float64 is read too),
/// `NUM_KC x NUM_MBON`, GeNN's dense layout `g[kc][mbon]`.
pub const MODEL_WEIGHTS: &str = "kc_mbon_g.npy";
/// File of the PN -> KC synapses in a model folder: int32, `2 x S`, row 0 PN, row 1 KC
/// (any integer dtype is read).
pub const MODEL_CONNECTIVITY: &str = "pn_kc_connectivity.npy";
/// File of the learned weights' histogram in a model folder, written by `kenyon train`
/// (not read back).
pub const MODEL_HISTOGRAM: &str = "kc_mbon_g_histogram.png";
/// The files of a model that [`TrainedModel::load`] reads, in the manifest's order.
const MODEL_FILES: [&str; 2] = [MODEL_WEIGHTS, MODEL_CONNECTIVITY];

/// Why a model folder could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// A file could not be read (or is not an `.npy` of a type it can hold).
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
    ///
    /// Each file's shape is checked before its data is read. Files saved by numpy
    /// load as they are (once [`write_manifest`] vouches for them): the synapses in any
    /// integer dtype, the weights as float32 or float64.
    pub fn load(dir: &Path) -> Result<Self, ModelFileError> {
        let (trained_images, contents) = manifest::read_verified(dir, &MODEL_FILES)?;
        // One buffer per name of MODEL_FILES, in its order.
        let mut contents = contents.into_iter();
        let weights_bytes = contents.next().unwrap_or_default();
        let synapse_bytes = contents.next().unwrap_or_default();
        let synapses = |source| ModelFileError::Read {
            what: "the PN -> KC synapses",
            source,
        };
        let path = dir.join(MODEL_CONNECTIVITY);
        let len = Some(synapse_bytes.len() as u64);
        let file =
            NpyReader::from_reader(&path, synapse_bytes.as_slice(), len).map_err(synapses)?;
        let shape = file.shape().to_vec();
        if shape.len() != 2 || shape[0] != 2 {
            return Err(ModelFileError::SynapseShape { path, shape });
        }
        let ids = file.read_integers::<i64>().map_err(synapses)?;
        let (pn, kc) = ids.split_at(shape[1]);
        let pn = indices(&path, pn, "PN", NUM_PN)?;
        let kc = indices(&path, kc, "KC", NUM_KC)?;

        let weights = |source| ModelFileError::Read {
            what: "the KC -> MBON weights",
            source,
        };
        let path = dir.join(MODEL_WEIGHTS);
        let len = Some(weights_bytes.len() as u64);
        let file = NpyReader::from_reader(&path, weights_bytes.as_slice(), len).map_err(weights)?;
        let expected = [NUM_KC as usize, NUM_MBON as usize];
        if file.shape() != expected {
            let shape = file.shape().to_vec();
            return Err(ModelFileError::WeightShape {
                path,
                expected,
                shape,
            });
        }
        let kc_mbon_g = file.read_f32().map_err(weights)?;
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
    ids: &[i64],
    population: &'static str,
    size: u32,
) -> Result<Vec<u32>, ModelFileError> {
    ids.iter()
        .map(|&i| {
            u32::try_from(i).ok().filter(|&i| i < size).ok_or_else(|| {
                ModelFileError::IndexOutOfRange {
                    path: path.to_path_buf(),
                    population,
                    index: i,
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

    /// What `np.save` writes for `np.array([[pn...], [kc...]])` of Python ints and for
    /// weights computed in float64: int64 and float64.
    fn save_as_numpy_would(dir: &Path, pn_kc: &[i64], g: &[f64]) {
        let s = pn_kc.len() / 2;
        npy::write_npy(&dir.join(MODEL_CONNECTIVITY), &[2, s], pn_kc).unwrap();
        let shape = [NUM_KC as usize, NUM_MBON as usize];
        npy::write_npy(&dir.join(MODEL_WEIGHTS), &shape, g).unwrap();
        write_manifest(dir, None).unwrap();
    }

    #[test]
    fn a_model_saved_by_numpy_as_int64_and_float64_loads() {
        let dir = tempfile::tempdir().unwrap();
        let g: Vec<f64> = (0..NUM_KC * NUM_MBON)
            .map(|i| f64::from(i) * 1e-7)
            .collect();
        save_as_numpy_would(dir.path(), &[0, 783, 5, 19_999], &g);
        let model = TrainedModel::load(dir.path()).unwrap();
        assert_eq!((model.pn, model.kc), (vec![0, 783], vec![5, 19_999]));
        let narrowed: Vec<f32> = g.iter().map(|&x| x as f32).collect();
        assert_eq!(model.kc_mbon_g, narrowed);
    }

    #[test]
    fn int64_indices_beyond_u32_are_refused_by_value() {
        let dir = tempfile::tempdir().unwrap();
        let g = vec![0.0; (NUM_KC * NUM_MBON) as usize];
        save_as_numpy_would(dir.path(), &[0, 1 << 40, 5, 6], &g);
        let err = TrainedModel::load(dir.path()).unwrap_err();
        assert!(
            matches!(err, ModelFileError::IndexOutOfRange { index, population: "PN", .. }
                if index == 1 << 40),
            "{err:?}"
        );
        assert!(err.to_string().contains("1099511627776"), "{err}");
    }

    #[test]
    fn float64_weights_too_large_for_float32_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = vec![0.0; (NUM_KC * NUM_MBON) as usize];
        g[17] = 1e300;
        save_as_numpy_would(dir.path(), &[0, 1], &g);
        let err = TrainedModel::load(dir.path()).unwrap_err();
        let ModelFileError::Read { source, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(
            matches!(source, NpyError::ValueOutOfRange { index: 17, .. }),
            "{source:?}"
        );
        let msg = source.to_string();
        assert!(
            msg.contains(MODEL_WEIGHTS) && msg.contains("element 17") && msg.contains("f32"),
            "{msg}"
        );
    }
}
