//! Rendering into memory and publishing the PNG atomically.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea};

use crate::error::render_err;
use crate::{PlotError, font};

pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Renders with `draw` into an RGB buffer and writes it to `path`.
///
/// A figure is written next to the results it shows and may be read (by a person, a report
/// builder, another process) while an experiment rewrites it. Rendering into memory first means
/// a drawing error leaves nothing behind; encoding into a temporary file in the same directory
/// and renaming it over `path` means a reader sees either the old figure or the new one, never
/// a truncated PNG.
pub(crate) fn write_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    font::ensure_registered()?;
    let (w, h) = size;
    let mut buf = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
        draw(&root)?;
        root.present().map_err(render_err)?;
    }

    let tmp = temp_path(path)?;
    let _cleanup = RemoveOnDrop(tmp.clone());
    // Creating the file ourselves turns a missing directory or a permission problem into an
    // `Io` error naming the path, instead of an opaque encoder error.
    std::fs::File::create(&tmp).map_err(|source| PlotError::Io {
        path: tmp.clone(),
        source,
    })?;
    {
        let mut backend = BitMapBackend::new(&tmp, size);
        backend
            .blit_bitmap((0, 0), size, &buf)
            .map_err(render_err)?;
        backend.present().map_err(render_err)?;
    }
    std::fs::rename(&tmp, path).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(())
}

/// `dir/.name.<pid>-<n>.tmp.png`: hidden, unique within and across processes, and ending in
/// `.png` because plotters' encoder picks the format from the extension.
fn temp_path(path: &Path) -> Result<PathBuf, PlotError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        PlotError::invalid("path", format!("{} has no file name", path.display()))
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp_name = format!(
        ".{}.{}-{n}.tmp.png",
        name.to_string_lossy(),
        std::process::id()
    );
    Ok(path.with_file_name(tmp_name))
}

/// Removes the temporary file unless it was renamed away (then removal fails harmlessly).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
