//! Data: the real data sets the lectures use, embedded in the crate; readers and writers for
//! the file formats a user brings (CSV, NumPy `.npy`, MNIST's IDX, PGM/PPM); and seeded
//! generators of synthetic data with known structure.
//!
//! Book: `datasets.md`. Provenance and licences of every embedded file: `src/datasets/README.md`.
//!
//! | name | shape | used in |
//! |---|---|---|
//! | `usarrests` | 50 x 4, state names | PCA (ISLR Table 10.1), hierarchical clustering |
//! | `faithful` | 272 x 2 | Gaussian mixtures (Bishop ch. 9), gap statistic |
//! | `digits` | 1797 x 64, labels 0–9 | k-means, t-SNE, manifold learning |
//! | `mnist` | 10000 x 784, labels 0–9 | PCA, t-SNE, the neural chapters |
//! | photos | 256 x 256 grey, 128 x 128 RGB (two) | vector quantization, texture synthesis |

pub mod csv;
pub mod generators;
pub mod idx;
pub mod npy;
pub mod pnm;

use crate::error::{Error, Result};
use crate::image::Image;
use crate::linalg::Matrix;
pub use csv::{dataset_from_csv, read_csv, CsvSpec};
pub use generators::{
    blobs, circles, cocktail_party, grid_of_gaussians, ring_of_gaussians, s_curve, swiss_roll,
    two_moons, two_spirals, CocktailParty, ManifoldSample,
};

/// A data matrix with what is known about its rows and columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub name: String,
    /// One row per sample, one column per feature.
    pub x: Matrix<f64>,
    pub feature_names: Vec<String>,
    /// Class labels `0..class_names.len()`, when the data have them.
    pub labels: Option<Vec<usize>>,
    pub class_names: Vec<String>,
    /// A name per row (USArrests' states), when the data have them.
    pub row_names: Option<Vec<String>>,
}

/// One file compiled into the crate.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddedFile {
    pub file: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! embedded {
    ($($file:literal),* $(,)?) => {
        /// Every embedded file, with its bytes (the checksum test walks this list).
        pub const FILES: &[EmbeddedFile] = &[$(EmbeddedFile { file: $file, bytes: include_bytes!(concat!("data/", $file)) }),*];
    };
}
embedded!(
    "usarrests.csv",
    "faithful.csv",
    "digits8x8.csv",
    "mnist10k-images.idx",
    "mnist10k-labels.idx",
    "china-gray-256.pgm",
    "china-rgb-128.ppm",
    "flower-rgb-128.ppm",
);

/// The bytes of embedded file `name`.
pub fn embedded(name: &str) -> Result<&'static [u8]> {
    FILES
        .iter()
        .find(|f| f.file == name)
        .map(|f| f.bytes)
        .ok_or_else(|| {
            let names: Vec<&str> = FILES.iter().map(|f| f.file).collect();
            Error::invalid(
                "file",
                name,
                format!("not embedded; embedded files: {}", names.join(", ")),
            )
        })
}

fn embedded_text(name: &str) -> Result<&'static str> {
    std::str::from_utf8(embedded(name)?).map_err(|e| {
        Error::parse(
            name,
            crate::error::Location::Byte(e.valid_up_to()),
            "not UTF-8 text",
        )
    })
}

// ANCHOR: usarrests
/// USArrests: arrests per 100,000 residents for murder, assault and rape, and the percentage
/// of the population living in cities, for the 50 US states in 1973. Row names are the states.
pub fn usarrests() -> Result<Dataset> {
    let spec = CsvSpec {
        row_names: Some("State"),
        ..CsvSpec::default()
    };
    dataset_from_csv(
        embedded_text("usarrests.csv")?,
        "usarrests.csv",
        "usarrests",
        &spec,
    )
}
// ANCHOR_END: usarrests

/// Old Faithful: eruption length and the waiting time to the next eruption, in minutes.
pub fn faithful() -> Result<Dataset> {
    dataset_from_csv(
        embedded_text("faithful.csv")?,
        "faithful.csv",
        "faithful",
        &CsvSpec::default(),
    )
}

/// UCI handwritten digits: 1797 images of 8 x 8 pixels with values 0–16, labels 0–9.
pub fn digits() -> Result<Dataset> {
    let spec = CsvSpec {
        label: Some("label"),
        ..CsvSpec::default()
    };
    dataset_from_csv(
        embedded_text("digits8x8.csv")?,
        "digits8x8.csv",
        "digits",
        &spec,
    )
}

/// MNIST images and labels from IDX bytes as a data set: one row of 28·28 = 784 pixels per
/// image, scaled to [0, 1].
pub fn mnist_from_idx(
    images: &[u8],
    labels: &[u8],
    images_file: &str,
    labels_file: &str,
) -> Result<Dataset> {
    let img = idx::parse_idx(images, images_file)?;
    let lab = idx::parse_idx(labels, labels_file)?;
    let (n, h, w) = match img.dims[..] {
        [n, h, w] => (n, h, w),
        _ => {
            return Err(Error::parse(
                images_file,
                crate::error::Location::Byte(3),
                format!(
                    "expected 3 dimensions (images, rows, columns), found {:?}",
                    img.dims
                ),
            ))
        }
    };
    if lab.dims != [n] {
        return Err(Error::parse(
            labels_file,
            crate::error::Location::Byte(4),
            format!(
                "expected {n} labels to match the images, found dimensions {:?}",
                lab.dims
            ),
        ));
    }
    if let Some(pos) = lab.data.iter().position(|&l| l > 9) {
        return Err(Error::parse(
            labels_file,
            crate::error::Location::Byte(8 + pos),
            format!("label {} is not a digit 0–9", lab.data[pos]),
        ));
    }
    let x = Matrix::new(
        n,
        h * w,
        img.data.iter().map(|&p| f64::from(p) / 255.0).collect(),
    )?;
    Ok(Dataset {
        name: "mnist".into(),
        x,
        feature_names: (0..h * w).map(|i| format!("p{i}")).collect(),
        labels: Some(lab.data.iter().map(|&l| usize::from(l)).collect()),
        class_names: (0..10).map(|d| d.to_string()).collect(),
        row_names: None,
    })
}

/// The embedded 10,000 MNIST digits (see [`mnist_from_idx`]); read the full MNIST files with
/// [`read_mnist`].
pub fn mnist() -> Result<Dataset> {
    mnist_from_idx(
        embedded("mnist10k-images.idx")?,
        embedded("mnist10k-labels.idx")?,
        "mnist10k-images.idx",
        "mnist10k-labels.idx",
    )
}

/// MNIST from IDX files on disk (for example the full `train-images-idx3-ubyte` and
/// `train-labels-idx1-ubyte`).
pub fn read_mnist(images: &std::path::Path, labels: &std::path::Path) -> Result<Dataset> {
    let img = std::fs::read(images).map_err(|e| Error::io(images, e))?;
    let lab = std::fs::read(labels).map_err(|e| Error::io(labels, e))?;
    mnist_from_idx(
        &img,
        &lab,
        &images.display().to_string(),
        &labels.display().to_string(),
    )
}

/// The Summer Palace photo, 256 x 256, 8-bit grey (the lecture's vector-quantization image).
pub fn china_gray() -> Result<Image> {
    pnm::parse_pnm(embedded("china-gray-256.pgm")?, "china-gray-256.pgm")
}
/// The Summer Palace photo, 128 x 128 RGB.
pub fn china_rgb() -> Result<Image> {
    pnm::parse_pnm(embedded("china-rgb-128.ppm")?, "china-rgb-128.ppm")
}
/// A dahlia, 128 x 128 RGB.
pub fn flower_rgb() -> Result<Image> {
    pnm::parse_pnm(embedded("flower-rgb-128.ppm")?, "flower-rgb-128.ppm")
}

/// The embedded tabular data sets by name: `usarrests`, `faithful`, `digits`, `mnist`.
pub fn by_name(name: &str) -> Result<Dataset> {
    match name {
        "usarrests" => usarrests(),
        "faithful" => faithful(),
        "digits" => digits(),
        "mnist" => mnist(),
        other => Err(Error::invalid(
            "data",
            other,
            "unknown data set (embedded: usarrests, faithful, digits, mnist)",
        )),
    }
}

/// How [`load`] builds or reads a data set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadOptions {
    /// Points to generate (synthetic sets only); each generator has a default.
    pub n: Option<usize>,
    /// Noise level of a generator; each has a default.
    pub noise: Option<f64>,
    pub seed: u64,
    /// A CSV file's label column.
    pub label: Option<String>,
}

/// The names [`load`] accepts besides file paths: embedded sets, then generators.
pub const NAMES: [&str; 12] = [
    "usarrests",
    "faithful",
    "digits",
    "mnist",
    "blobs",
    "moons",
    "circles",
    "spirals",
    "swissroll",
    "scurve",
    "ring",
    "grid",
];

// ANCHOR: load
/// A data set by name or path: an embedded set (`usarrests`, `faithful`, `digits`, `mnist`),
/// a generator (`blobs`, `moons`, `circles`, `spirals`, `swissroll`, `scurve`, `ring`,
/// `grid`, sized by `options.n` and `options.noise`), or a file ending in `.csv` (every
/// numeric column, `options.label` as labels) or `.npy` (a 1-D or 2-D array).
pub fn load(name_or_path: &str, options: &LoadOptions) -> Result<Dataset> {
    check_options_apply(name_or_path, options)?;
    let n = |default: usize| options.n.unwrap_or(default);
    let noise = |default: f64| options.noise.unwrap_or(default);
    let seed = options.seed;
    match name_or_path {
        "usarrests" | "faithful" | "digits" | "mnist" => by_name(name_or_path),
        "blobs" => blobs(n(500), 2, 3, noise(1.0), seed),
        "moons" => two_moons(n(500), noise(0.05), seed),
        "circles" => circles(n(500), noise(0.05), 0.5, seed),
        "spirals" => two_spirals(n(500), noise(0.2), 1.5, seed),
        "swissroll" => Ok(swiss_roll(n(1000), noise(0.0), seed)?.data),
        "scurve" => Ok(s_curve(n(1000), noise(0.0), seed)?.data),
        "ring" => ring_of_gaussians(n(2000), 8, 2.0, noise(0.02), seed),
        "grid" => grid_of_gaussians(n(2500), 5, noise(0.05), seed),
        path if path.ends_with(".csv") => {
            let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let spec = CsvSpec {
                label: options.label.as_deref(),
                ..CsvSpec::default()
            };
            read_csv(std::io::BufReader::new(file), path, path, &spec)
        }
        path if path.ends_with(".npy") => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let array = npy::parse_npy(&bytes, path)?;
            let x = array.to_matrix()?;
            // Refused here, where the file and the element are known, not later at the fit.
            if let Some(i) = x.as_slice().iter().position(|v| !v.is_finite()) {
                let width = array.data.width();
                return Err(Error::parse(
                    path,
                    crate::error::Location::Byte(bytes.len() - (x.as_slice().len() - i) * width),
                    format!(
                        "element {i} (row {}, column {}, counting from 0 as NumPy does) is {}: \
                         data must be finite",
                        i / x.cols(),
                        i % x.cols(),
                        x.as_slice()[i]
                    ),
                ));
            }
            Ok(Dataset {
                name: path.into(),
                feature_names: (0..x.cols()).map(|j| format!("x{j}")).collect(),
                x,
                labels: None,
                class_names: Vec::new(),
                row_names: None,
            })
        }
        other => Err(Error::invalid(
            "data",
            other,
            format!(
                "not a data set name ({}) nor a path ending in .csv or .npy",
                NAMES.join(", ")
            ),
        )),
    }
}
// ANCHOR_END: load

/// Refuses an option that would be silently ignored: a size or noise level for data that is
/// not generated, a label column for data that is not a CSV file.
fn check_options_apply(name_or_path: &str, options: &LoadOptions) -> Result<()> {
    let generated = NAMES[4..].contains(&name_or_path);
    let source = if generated {
        format!("`{name_or_path}`, a generator,")
    } else if NAMES.contains(&name_or_path) {
        format!("`{name_or_path}`, an embedded data set,")
    } else {
        format!("`{name_or_path}`")
    };
    if !generated {
        if let Some(n) = options.n {
            return Err(Error::invalid(
                "n",
                n,
                format!("only generated data takes a size; {source} has its own rows"),
            ));
        }
        if let Some(noise) = options.noise {
            return Err(Error::invalid(
                "noise",
                noise,
                format!("only generated data takes a noise level; {source} has none"),
            ));
        }
    }
    if let Some(label) = &options.label {
        if !name_or_path.ends_with(".csv") {
            return Err(Error::invalid(
                "label",
                label,
                format!("only a CSV file has label columns to choose; {source} is not one"),
            ));
        }
    }
    Ok(())
}
