//! PNG charts with plotters (bitmap backend, text through ab_glyph with a TrueType font
//! found at run time: DejaVu Sans from Debian's `fonts-dejavu-core`, or `BENCH_FONT`).

use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const FONT: &str = "sans-serif";
const COLORS: &[RGBColor] = &[
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Registers a TrueType font for the charts; `Err` says why there will be no charts.
pub(crate) fn init_font() -> Result<PathBuf, String> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("BENCH_FONT")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.extend(
        [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
        ]
        .map(PathBuf::from),
    );
    for path in candidates {
        if let Ok(bytes) = std::fs::read(&path) {
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font(FONT, FontStyle::Normal, bytes).is_ok() {
                return Ok(path);
            }
        }
    }
    Err("no TrueType font found (apt-get install fonts-dejavu-core, or set BENCH_FONT)".into())
}

/// A grouped bar chart.
pub(crate) struct Bars<'a> {
    pub(crate) title: &'a str,
    pub(crate) y_label: &'a str,
    pub(crate) groups: Vec<String>,
    /// Series name and one value per group (`NaN`: no bar).
    pub(crate) series: Vec<(String, Vec<f64>)>,
    pub(crate) log: bool,
    /// Digits after the point in the value labels.
    pub(crate) decimals: usize,
}

fn err(e: impl std::fmt::Display) -> String {
    format!("chart: {e}")
}

/// The series' legend, top left.
fn legend<'a, DB, CT>(chart: &mut ChartContext<'a, DB, CT>) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

fn label(value: f64, decimals: usize) -> String {
    if value >= 10_000.0 {
        format!("{:.0}", value)
    } else {
        format!("{value:.decimals$}")
    }
}

impl Bars<'_> {
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|v| v.is_finite() && *v > 0.0)
    }

    /// Draws the chart into `path`.
    pub(crate) fn draw(&self, path: &Path) -> Result<(), String> {
        let max = self.values().fold(0.0_f64, f64::max);
        let min = self.values().fold(f64::INFINITY, f64::min);
        if max <= 0.0 {
            return Err("chart: nothing to draw".into());
        }
        let longest = self
            .groups
            .iter()
            .map(|g| g.chars().count())
            .max()
            .unwrap_or(0) as u32;
        let per_group = (9 * longest + 24).max(170);
        let width = (120 + per_group * self.groups.len() as u32).clamp(760, 2000);
        let root = BitMapBackend::new(path, (width, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        if self.log {
            let lo = 10f64.powf((min / 2.0).log10().floor());
            let hi = 10f64.powf((max * 3.0).log10().ceil());
            self.draw_on(&root, (lo..hi).log_scale(), lo)?;
        } else {
            self.draw_on(&root, 0.0..max * 1.18, 0.0)?;
        }
        root.present().map_err(err)
    }

    fn draw_on<Y>(
        &self,
        root: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
        y: Y,
        floor: f64,
    ) -> Result<(), String>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let n = self.groups.len();
        let k = self.series.len().max(1);
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, (FONT, 22))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..n as f64, y)
            .map_err(err)?;
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .x_label_formatter(&|_| String::new())
            .y_desc(self.y_label)
            .y_label_style((FONT, 13))
            .axis_desc_style((FONT, 15));
        let integers = |y: &f64| format!("{y:.0}");
        if !self.log {
            mesh.y_label_formatter(&integers);
        }
        mesh.draw().map_err(err)?;
        let slot = 0.8 / k as f64;
        for (s, (name, values)) in self.series.iter().enumerate() {
            let color = COLORS[s % COLORS.len()];
            let bars = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite() && **v > 0.0)
                .map(move |(i, v)| {
                    let x0 = i as f64 + 0.1 + slot * s as f64;
                    Rectangle::new([(x0 + 0.01, floor), (x0 + slot - 0.01, *v)], color.filled())
                });
            let drawn = chart.draw_series(bars).map_err(err)?;
            if k > 1 {
                drawn.label(name.as_str()).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                });
            }
            let texts = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite() && **v > 0.0)
                .map(move |(i, v)| {
                    let x = i as f64 + 0.1 + slot * (s as f64 + 0.5);
                    Text::new(
                        label(*v, self.decimals),
                        (x, *v),
                        (FONT, 13)
                            .into_font()
                            .color(&BLACK)
                            .pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )
                });
            chart.draw_series(texts).map_err(err)?;
        }
        // Group names under the axis, centred under their bars.
        for (i, group) in self.groups.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64 + 0.5, floor));
            root.draw(&Text::new(
                group.clone(),
                (x, y + 8),
                (FONT, 15)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(err)?;
        }
        if k > 1 {
            legend(&mut chart)?;
        }
        Ok(())
    }
}

/// A line chart of y against x, one line per series.
pub(crate) struct Lines<'a> {
    pub(crate) title: &'a str,
    pub(crate) x_label: &'a str,
    pub(crate) y_label: &'a str,
    pub(crate) series: Vec<(String, Vec<(f64, f64)>)>,
}

impl Lines<'_> {
    /// Draws the chart into `path`.
    pub(crate) fn draw(&self, path: &Path) -> Result<(), String> {
        let points = || self.series.iter().flat_map(|(_, p)| p.iter().copied());
        let x_max = points().map(|p| p.0).fold(0.0_f64, f64::max);
        let y_max = points().map(|p| p.1).fold(0.0_f64, f64::max);
        if x_max <= 0.0 || y_max <= 0.0 {
            return Err("chart: nothing to draw".into());
        }
        let root = BitMapBackend::new(path, (800, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, (FONT, 22))
            .margin(14)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_max * 1.05, 0.0..y_max * 1.15)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(err)?;
        for (s, (name, pts)) in self.series.iter().enumerate() {
            let color = COLORS[s % COLORS.len()];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))
                .map_err(err)?;
            chart
                .draw_series(pts.iter().map(|p| {
                    Text::new(
                        format!("{:.1} s", p.1),
                        (p.0, p.1),
                        (FONT, 13)
                            .into_font()
                            .color(&color)
                            .pos(Pos::new(HPos::Right, VPos::Bottom)),
                    )
                }))
                .map_err(err)?;
        }
        legend(&mut chart)?;
        root.present().map_err(err)
    }
}
