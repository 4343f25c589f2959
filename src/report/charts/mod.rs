//! Charts, as PNG and SVG, drawn with plotters and an embedded DejaVu Sans
//! (pure-Rust text: no system font library).

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::ReportError;

pub use bars::{GanttBar, gantt, stacked_bars};

use plotters::coord::types::RangedCoordf64;

/// Width and height of every chart, pixels.
pub const SIZE: (u32, u32) = (960, 540);

/// Title text height, margin around the plot and x-label area, in pixels.
const CAPTION_PX: u32 = 24;
// Text sizes are even: plotters' ab_glyph renderer places each glyph at
// size / 2 rounded toward zero, so at an odd size points and commas sit a
// pixel above the digits' baseline (a decimal point reads as a middle dot).
/// Tick labels and values written on a chart.
pub(super) const TEXT_PX: u32 = 14;
/// The line chart's tick labels and every legend.
pub(super) const LEGEND_PX: u32 = 16;
/// Axis descriptions.
pub(super) const AXIS_PX: u32 = 18;
const MARGIN_PX: u32 = 16;
const X_LABELS_PX: u32 = 48;
/// Width of the y-label area of line charts.
const Y_LABELS_PX: u32 = 72;

/// The plot area's size in pixels with `left` pixels of y labels (the
/// caption's own spacing included, approximately).
fn plot_px(left: u32) -> (f64, f64) {
    (
        SIZE.0.saturating_sub(left + 2 * MARGIN_PX).max(1) as f64,
        SIZE.1
            .saturating_sub(CAPTION_PX + X_LABELS_PX + 2 * MARGIN_PX + 10)
            .max(1) as f64,
    )
}

/// The frame every chart shares: title, margins and label areas (`left`
/// pixels for the y labels).
fn frame<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    left: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(root);
    b.caption(title, ("sans-serif", CAPTION_PX))
        .margin(MARGIN_PX)
        .x_label_area_size(X_LABELS_PX)
        .y_label_area_size(left);
    b
}

/// The label of a row of a segmented axis: its name at the row's centre.
fn row_label(names: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

const PALETTE: [RGBColor; 21] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 128),
    RGBColor(128, 0, 0),
    RGBColor(0, 128, 128),
    RGBColor(255, 215, 0),
    RGBColor(75, 0, 130),
    RGBColor(0, 100, 0),
    RGBColor(255, 152, 150),
    RGBColor(152, 223, 138),
    RGBColor(174, 199, 232),
    RGBColor(196, 156, 148),
    RGBColor(219, 219, 141),
];

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

fn err<E: std::fmt::Display>(chart: &str) -> impl Fn(E) -> ReportError + '_ {
    move |e| ReportError::Chart {
        chart: chart.to_string(),
        reason: e.to_string(),
    }
}

/// The series legend every chart draws: a framed, half-opaque box at `pos`.
fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
    font_px: u32,
    name: &str,
) -> Result<(), ReportError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", font_px))
        .position(pos)
        .draw()
        .map_err(err(name))
}

/// Draws `draw` twice: into `<stem>.png` and `<stem>.svg`.
macro_rules! both {
    ($stem:expr, $draw:expr) => {{
        register_font();
        let stem: &Path = $stem;
        let name = stem
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let png = stem.with_extension("png");
        let svg = stem.with_extension("svg");
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| ReportError::Io { path, source }
        };
        {
            // The PNG encoder picks its format from the file's extension: a
            // temporary that ends in `.png`, renamed into place when drawn.
            let tmp = crate::report::write::temp_beside(&png).map_err(io(&png))?;
            {
                let root = BitMapBackend::new(tmp.path(), SIZE).into_drawing_area();
                $draw(&root)?;
                root.present().map_err(err(&name))?;
            }
            crate::report::write::persist(tmp, &png).map_err(io(&png))?;
        }
        {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
                $draw(&root)?;
                root.present().map_err(err(&name))?;
            }
            crate::report::write::atomic_write(&svg, text.as_bytes())?;
        }
        Ok(())
    }};
}

/// A named series of points.
pub struct Series {
    /// Legend.
    pub name: String,
    /// Points.
    pub points: Vec<(f64, f64)>,
}

/// The corner of a line chart whose legend box covers the fewest points of
/// the lines (sampled along each segment), markers and horizontal line; on
/// a tie the first of lower right, upper left, upper right, lower left; and
/// the top of the y axis. The chart spans `x0..x1` and `0..y_top`; if every
/// corner covers some data, the y axis is raised by the legend's height and
/// the legend goes in the upper left, above everything. The box size is
/// estimated from the labels (15 px text, ~8 px a character).
fn legend_corner(
    lines: &[&[(f64, f64)]],
    labels: &[&str],
    (x0, x1): (f64, f64),
    y_top: f64,
) -> (SeriesLabelPosition, f64) {
    let (plot_w, plot_h) = plot_px(Y_LABELS_PX);
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let w = ((chars as f64 * 8.0 + 60.0) / plot_w).min(1.0) * (x1 - x0);
    let h = ((labels.len() as f64 * 20.0 + 22.0) / plot_h).min(1.0) * y_top;
    let corners = [
        (SeriesLabelPosition::LowerRight, x1 - w, 0.0),
        (SeriesLabelPosition::UpperLeft, x0, y_top - h),
        (SeriesLabelPosition::UpperRight, x1 - w, y_top - h),
        (SeriesLabelPosition::LowerLeft, x0, 0.0),
    ];
    let mut hits = [0usize; 4];
    for line in lines {
        let samples = line.windows(2).flat_map(|s| {
            (0..16).map(move |k| {
                let t = k as f64 / 16.0;
                (
                    s[0].0 + t * (s[1].0 - s[0].0),
                    s[0].1 + t * (s[1].1 - s[0].1),
                )
            })
        });
        for (x, y) in samples.chain(line.last().copied()) {
            for (c, (_, cx, cy)) in corners.iter().enumerate() {
                if (*cx..=cx + w).contains(&x) && (*cy..=cy + h).contains(&y) {
                    hits[c] += 1;
                }
            }
        }
    }
    let best = (0..4).min_by_key(|&c| hits[c]).unwrap_or(0);
    if hits[best] == 0 {
        return (corners[best].0.clone(), y_top);
    }
    let h_frac = (h / y_top).min(0.5);
    (SeriesLabelPosition::UpperLeft, y_top / (1.0 - h_frac))
}

/// A labelled point: its label, x, y and colour index.
pub type Marker = (String, f64, f64, usize);

/// A shaded band around series `series` (its colour): `(x, low, high)`.
pub struct Band {
    /// The series whose colour it takes.
    pub series: usize,
    /// Its points, by x.
    pub points: Vec<(f64, f64, f64)>,
}

/// A line chart: lines (step-free), shaded bands, labelled markers and
/// horizontal lines (each with its legend label, drawn in red).
#[derive(Default)]
pub struct LineChart<'a> {
    /// Title.
    pub title: &'a str,
    /// Axis descriptions.
    pub x_label: &'a str,
    /// Axis descriptions.
    pub y_label: &'a str,
    /// The lines.
    pub series: &'a [Series],
    /// Shaded bands (e.g. confidence intervals).
    pub bands: &'a [Band],
    /// Labelled points.
    pub markers: &'a [Marker],
    /// Horizontal lines, e.g. SLOs.
    pub hlines: &'a [(f64, &'a str)],
}

/// Dashed red and orange, for the first and second horizontal line.
const RULES: [RGBColor; 2] = [RGBColor(214, 39, 40), RGBColor(255, 127, 14)];

impl LineChart<'_> {
    /// The x and y ranges, and where the legend goes.
    fn layout(&self) -> ((f64, f64), f64, SeriesLabelPosition) {
        let xs = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0));
        let ys = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(self.bands.iter().flat_map(|b| b.points.iter().map(|p| p.2)))
            .chain(self.hlines.iter().map(|h| h.0));
        let (x0, x1) = data_range(xs);
        let (_, y1) = bounds(ys);
        // What the legend must not cover: the lines, the markers with their
        // labels (~100 px to the right) and the horizontal lines.
        let dx = (x1 - x0) * 100.0 / plot_px(Y_LABELS_PX).0;
        // Room on the right for the rightmost marker's label, never clipped.
        let x1 = self
            .markers
            .iter()
            .map(|m| m.1 + dx * 1.1)
            .fold(x1, f64::max);
        let marks: Vec<[(f64, f64); 2]> = self
            .markers
            .iter()
            .map(|(_, x, y, _)| [(*x, *y), (x + dx, *y)])
            .collect();
        let rules: Vec<[(f64, f64); 2]> = self
            .hlines
            .iter()
            .map(|(y, _)| [(x0, *y), (x1, *y)])
            .collect();
        let highs: Vec<Vec<(f64, f64)>> = self
            .bands
            .iter()
            .map(|b| b.points.iter().map(|p| (p.0, p.2)).collect())
            .collect();
        let covered: Vec<&[(f64, f64)]> = self
            .series
            .iter()
            .map(|s| s.points.as_slice())
            .chain(marks.iter().map(|m| m.as_slice()))
            .chain(rules.iter().map(|r| r.as_slice()))
            .chain(highs.iter().map(|h| h.as_slice()))
            .collect();
        let mut labels: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
        labels.extend(self.hlines.iter().map(|h| h.1));
        let (at, y_top) = legend_corner(&covered, &labels, (x0, x1), y1 * 1.05);
        ((x0, x1), y_top, at)
    }

    /// Draws it into `<stem>.png` and `<stem>.svg`.
    pub fn draw(&self, stem: &Path) -> Result<(), ReportError> {
        let name = self.title.to_string();
        let ((x0, x1), y_top, legend_at) = self.layout();
        both!(
            stem,
            |root: &DrawingArea<_, Shift>| -> Result<(), ReportError> {
                root.fill(&WHITE).map_err(err(&name))?;
                let mut chart = frame(root, self.title, Y_LABELS_PX)
                    .build_cartesian_2d(x0..x1, 0.0..y_top)
                    .map_err(err(&name))?;
                chart
                    .configure_mesh()
                    .x_desc(self.x_label)
                    .y_desc(self.y_label)
                    .label_style(("sans-serif", LEGEND_PX))
                    .axis_desc_style(("sans-serif", AXIS_PX))
                    .draw()
                    .map_err(err(&name))?;
                self.draw_parts(&mut chart, (x0, x1), &name)?;
                draw_legend(&mut chart, legend_at.clone(), LEGEND_PX, &name)?;
                Ok(())
            }
        )
    }

    /// Bands, lines, markers and rules, in that order (later on top).
    fn draw_parts<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        (x0, x1): (f64, f64),
        name: &str,
    ) -> Result<(), ReportError> {
        for b in self.bands {
            let mut outline: Vec<(f64, f64)> = b.points.iter().map(|p| (p.0, p.2)).collect();
            outline.extend(b.points.iter().rev().map(|p| (p.0, p.1)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    color(b.series).mix(0.18).filled(),
                )))
                .map_err(err(name))?;
        }
        for (i, s) in self.series.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
                .map_err(err(name))?
                .label(s.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        for (label, x, y, i) in self.markers {
            let c = color(*i);
            chart
                .draw_series(std::iter::once(Circle::new((*x, *y), 5, c.filled())))
                .map_err(err(name))?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label.clone(),
                    (*x, *y),
                    ("sans-serif", TEXT_PX).into_font(),
                )))
                .map_err(err(name))?;
        }
        for (k, (y, label)) in self.hlines.iter().enumerate() {
            let c = RULES[k % RULES.len()];
            chart
                .draw_series(LineSeries::new(vec![(x0, *y), (x1, *y)], c.stroke_width(2)))
                .map_err(err(name))?
                .label(label.to_string())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        Ok(())
    }
}

/// The empirical CDF of sorted values as a step line: up at each value.
pub fn step_cdf(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let mut points = Vec::with_capacity(2 * sorted.len());
    for (k, x) in sorted.iter().enumerate() {
        points.push((*x, k as f64 / n));
        points.push((*x, (k + 1) as f64 / n));
    }
    points
}

/// The range of line charts' x values, padded by 3 % on each side (not
/// below 0 for data that is not): a distribution sits across the chart,
/// not in its last few percent.
fn data_range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let Some((lo, hi)) = extent(v) else {
        return (0.0, 1.0);
    };
    let pad = if hi > lo {
        (hi - lo) * 0.03
    } else {
        lo.abs().max(1.0) * 0.05
    };
    let floor = if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
    ((lo - pad).max(floor), hi + pad)
}

/// The smallest and largest value; `None` for none.
fn extent(v: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in v {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    lo.is_finite().then_some((lo, hi))
}

/// A bar axis's range: from 0 (or below, for negative data) to the largest value.
fn bounds(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let Some((lo, hi)) = extent(v) else {
        return (0.0, 1.0);
    };
    (lo.min(0.0), if hi <= lo { lo + 1.0 } else { hi })
}

/// The last index of an axis of `n` rows (categories or lanes): plotters'
/// integer ranges include their end, so `0..n` would add an empty row at the
/// top. A single row keeps `0..1` (plotters cannot map a one-value range).
fn last_row(n: usize) -> usize {
    if n >= 2 { n - 1 } else { 1 }
}

/// Where row `r` of an axis of `n` rows ends.
fn row_end(r: usize, n: usize) -> SegmentValue<usize> {
    if n >= 2 && r + 1 == n {
        SegmentValue::Last
    } else {
        SegmentValue::Exact(r + 1)
    }
}

/// Where the legend of horizontal bars goes, and how far the x axis must
/// reach so that no bar runs under it: the right-hand corner (lower or
/// upper) beside the rows with the shorter bars, the axis stretched past
/// those bars by the legend's width (estimated from its longest label).
/// `total` holds the bars' lengths from the bottom row up.
fn legend_room(total: &[f64], labels: &[&str], left_px: u32) -> (SeriesLabelPosition, f64) {
    let n = total.len().max(1);
    let longest = total.iter().cloned().fold(0.0, f64::max).max(1e-9);
    // Plot area and legend box, in pixels (LEGEND_PX labels, ~8.5 px a character).
    let (plot_w, plot_h) = plot_px(left_px);
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let legend_w = chars as f64 * 8.5 + 50.0;
    let legend_h = labels.len() as f64 * 21.0 + 12.0;
    let covered = ((legend_h / (plot_h / n as f64)).ceil() as usize).clamp(1, n);
    let corner = |rows: &[f64]| rows.iter().cloned().fold(0.0, f64::max);
    let (bottom, top) = (
        corner(&total[..covered.min(total.len())]),
        corner(&total[total.len().saturating_sub(covered)..]),
    );
    let (pos, beside) = if bottom <= top {
        (SeriesLabelPosition::LowerRight, bottom)
    } else {
        (SeriesLabelPosition::UpperRight, top)
    };
    let free = (1.0 - legend_w / plot_w).clamp(0.4, 1.0);
    (pos, (longest * 1.1).max(beside * 1.02 / free))
}

// After `both!`: macros are visible in the modules declared below them.
mod bars;

#[cfg(test)]
mod legend_tests {
    use super::*;

    #[test]
    fn the_legend_goes_beside_the_shorter_bars_and_clears_them() {
        let labels = ["ebs_volume", "instance", "snapshot_storage", "transfer"];
        // The longest bar at the bottom: the legend goes up, the axis is unchanged.
        let (pos, xmax) = legend_room(
            &[36.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0],
            &labels,
            140,
        );
        assert!(matches!(pos, SeriesLabelPosition::UpperRight));
        assert!((xmax - 36.0 * 1.1).abs() < 1e-9);
        // At the top: it goes down.
        let (pos, _) = legend_room(&[1.0, 12.0, 12.0, 36.0], &labels, 140);
        assert!(matches!(pos, SeriesLabelPosition::LowerRight));
        // Every bar long: the axis reaches far enough that the bars beside
        // the legend end before its left edge.
        let (_, xmax) = legend_room(&[36.0; 8], &labels, 140);
        let plot_w = plot_px(140).0;
        let legend_w = 16.0 * 8.0 + 50.0;
        assert!(36.0 / xmax < 1.0 - legend_w / plot_w, "{xmax}");
    }
}

#[cfg(test)]
mod corner_tests {
    use super::*;

    #[test]
    fn a_line_legend_avoids_the_lines() {
        let labels = ["monthly cost"];
        // A CDF bunched at the right with a tail along the bottom: not lower
        // right, but upper left (empty for any CDF).
        let cdf = [
            (2.4, 0.02),
            (3.3, 0.04),
            (4.1, 0.07),
            (4.1, 0.12),
            (4.6, 0.14),
            (4.7, 1.0),
        ];
        assert!(matches!(
            legend_corner(&[&cdf], &labels, (0.0, 4.75), 1.05),
            (SeriesLabelPosition::UpperLeft, 1.05)
        ));
        // A CDF that leaves the lower right empty keeps it.
        let cdf = [(35.0, 0.0), (60.0, 0.7), (100.0, 0.99), (125.0, 1.0)];
        assert!(matches!(
            legend_corner(&[&cdf], &labels, (0.0, 125.0), 1.05),
            (SeriesLabelPosition::LowerRight, 1.05)
        ));
        // Data in every corner: the axis rises by the legend's height, and
        // the legend sits above the data.
        let zigzag: Vec<(f64, f64)> = (0..=40).map(|i| (i as f64, (i % 2) as f64)).collect();
        let (pos, top) = legend_corner(&[&zigzag], &labels, (0.0, 40.0), 1.05);
        assert!(matches!(pos, SeriesLabelPosition::UpperLeft));
        let legend_h = (20.0 + 22.0) / plot_px(Y_LABELS_PX).1 * 1.05;
        assert!(top - legend_h >= 1.05 - 1e-9, "{top}");
    }
}
