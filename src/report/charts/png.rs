//! The report's PNG encoder: a thread of its own that encodes and writes
//! each chart's pixels while the next chart is drawn.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::{ReportError, SIZE, err};

/// A drawn chart's RGB pixels ([`SIZE`]) as PNG, with one filter for every
/// row (Paeth) instead of the encoder's default, which tries five per row:
/// that search was 14 % of a quickstart report's CPU time (perf), and the
/// quickstart's six PNGs are 3 % larger without it (595 against 578 kB;
/// Up or Sub alone, 3 to 4 times larger with the fast compression).
pub(crate) fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Paeth).write_image(
        rgb,
        SIZE.0,
        SIZE.1,
        image::ColorType::Rgb8,
    )?;
    Ok(out)
}

/// A drawn chart's pixels waiting to be encoded into `path`.
pub(crate) struct PngJob {
    rgb: Vec<u8>,
    path: PathBuf,
    name: String,
}

impl PngJob {
    /// Encodes the pixels and writes the file.
    fn write(&self) -> Result<(), ReportError> {
        let bytes = encode_png(&self.rgb).map_err(err(&self.name))?;
        crate::report::write::atomic_write(&self.path, &bytes)
    }
}

/// Where a chart goes: `<stem>.png` and `<stem>.svg`, its PNG handed to
/// an [`Encoder`] if it has one.
pub(crate) struct ChartFile {
    /// The files' path without extension.
    pub(crate) stem: PathBuf,
    png: Option<Sender<PngJob>>,
}

impl ChartFile {
    /// The chart files `<stem>.png|svg`, the PNG encoded and written as
    /// soon as it is drawn (a report of one or two charts).
    pub(crate) fn inline(stem: PathBuf) -> ChartFile {
        ChartFile { stem, png: None }
    }

    /// The chart's name in errors: its files' name without extension.
    pub(crate) fn name(&self) -> String {
        (self.stem.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Hands the chart's pixels to the encoder for `<stem>.png`, or encodes
    /// and writes them here if there is none or it has stopped.
    pub(crate) fn send_png(&self, rgb: Vec<u8>) -> Result<(), ReportError> {
        let (path, name) = (self.stem.with_extension("png"), self.name());
        let job = PngJob { rgb, path, name };
        match &self.png {
            Some(tx) => tx.send(job).or_else(|e| e.0.write()),
            None => job.write(),
        }
    }
}

/// The sending side of the encoder thread: it makes [`ChartFile`]s.
pub(crate) struct Encoder(Sender<PngJob>);

impl Encoder {
    /// An encoder, and the jobs its thread runs with [`encode_all`].
    pub(crate) fn new() -> (Encoder, Receiver<PngJob>) {
        let (tx, rx) = channel();
        (Encoder(tx), rx)
    }

    /// The chart files `<stem>.png|svg`.
    pub(crate) fn file(&self, stem: PathBuf) -> ChartFile {
        ChartFile {
            stem,
            png: Some(self.0.clone()),
        }
    }
}

/// Encodes and writes every chart sent until every sender is gone, each
/// in turn: the first error, after writing the rest.
pub(crate) fn encode_all(jobs: Receiver<PngJob>) -> Result<(), ReportError> {
    let mut first = Ok(());
    for job in jobs {
        let r = job.write();
        if first.is_ok() {
            first = r;
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every chart sent is written, also after one that fails; the failure
    /// is what the encoder reports once every sender is gone.
    #[test]
    fn the_encoder_writes_every_png_and_reports_the_first_failure() {
        let dir = tempfile::tempdir().unwrap();
        let (encoder, jobs) = Encoder::new();
        let encoding = std::thread::spawn(move || encode_all(jobs));
        let white = vec![255u8; SIZE.0 as usize * SIZE.1 as usize * 3];
        let missing = encoder.file(dir.path().join("no-such-dir/a"));
        let there = encoder.file(dir.path().join("b"));
        missing.send_png(white.clone()).unwrap();
        there.send_png(white.clone()).unwrap();
        drop((encoder, missing, there));
        let err = encoding.join().unwrap().unwrap_err().to_string();
        assert!(err.contains("no-such-dir"), "{err}");
        let written = std::fs::read(dir.path().join("b.png")).unwrap();
        assert_eq!(written, encode_png(&white).unwrap());
        // Without an encoder the PNG is written at once.
        let inline = ChartFile::inline(dir.path().join("c"));
        inline.send_png(white).unwrap();
        assert!(dir.path().join("c.png").exists());
    }
}
