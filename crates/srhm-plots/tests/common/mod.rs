//! Checks shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use srhm_plots::{Axis, Chart, Point, Series, SeriesStyle};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// Width and height from the IHDR chunk, which a valid PNG has right after the signature.
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.len() > 24,
        "too short for a PNG: {} bytes",
        bytes.len()
    );
    assert_eq!(bytes[..8], PNG_SIGNATURE, "not a PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk is not IHDR");
    let be = |o: usize| u32::from_be_bytes(bytes[o..o + 4].try_into().unwrap());
    (be(16), be(20))
}

/// A plain white PNG compresses to about 0.017 bytes per pixel with plotters' encoder (12 kB
/// at 1000×700; a line of text adds about 2 kB). A figure with axes, tick labels and data is
/// several times that, so a file under 0.035 bytes per pixel is treated as (nearly) blank.
const BLANK_BYTES_PER_PIXEL: f64 = 0.035;

/// Asserts `path` is a PNG of `size` pixels that has something drawn on it, and returns its
/// bytes. With `SRHM_PLOTS_GALLERY=<dir>` set the file is also copied there, to look at.
pub fn assert_png(path: &Path, size: (u32, u32)) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(png_size(&bytes), size, "{}", path.display());
    let per_pixel = bytes.len() as f64 / (size.0 as f64 * size.1 as f64);
    assert!(
        per_pixel > BLANK_BYTES_PER_PIXEL,
        "{} looks blank: {} bytes for {}×{}",
        path.display(),
        bytes.len(),
        size.0,
        size.1
    );
    if let Some(dir) = std::env::var_os("SRHM_PLOTS_GALLERY") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(path, dir.join(path.file_name().unwrap())).unwrap();
    }
    bytes
}

/// Files in `dir`, sorted, to check that nothing but the figure was left behind.
pub fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A decaying test-error curve like the paper's learning curves: ε ≈ 30·P^-0.9.
pub fn learning_curve(label: &str, scale: f64, color: Option<usize>) -> Series {
    let points = [50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0]
        .iter()
        .map(|&p: &f64| {
            let e = (scale * 30.0 * p.powf(-0.9)).min(0.9);
            Point::new(p, e).with_y_error(e * 0.8, e * 1.25)
        })
        .collect();
    Series {
        color,
        ..Series::new(label, SeriesStyle::LineAndMarkers, points)
    }
}

pub fn simple_chart() -> Chart {
    Chart {
        title: "simple".into(),
        x: Axis::linear("x"),
        y: Axis::linear("y"),
        series: vec![Series::new(
            "y = x²",
            SeriesStyle::LineAndMarkers,
            (0..10)
                .map(|i| Point::new(i as f64, (i * i) as f64))
                .collect(),
        )],
        ..Chart::default()
    }
}
