//! A small SVG writer for gutenpipe's pictures (the timeline and the sweep
//! plot): rectangles, lines, text and polylines with escaped text and short
//! numbers, plus the pieces both pictures share (stage colours, tick steps,
//! a line chart). Hand-written rather than a plotting crate: a few hundred
//! lines build in no time and the output stays small and readable.

use std::fmt::Write as _;

/// The colour of a step in the pictures: its own (the table of steps and
/// the stages declare them), else one of a few chosen by its name, never the
/// grey of a failed task.
pub fn stage_colour(stage: &str, own: Option<&'static str>) -> &'static str {
    if let Some(colour) = own {
        return colour;
    }
    const REST: [&str; 4] = ["#8cd17d", "#d37295", "#499894", "#f1ce63"];
    let h = stage
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31) + b as usize);
    REST[h % REST.len()]
}

/// Escapes text for use in SVG text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate, with at most two decimals and no trailing zeros.
pub fn num(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A "nice" step (1, 2 or 5 × 10^k) giving about `target` ticks over `span`.
pub fn tick_step(span: f64, target: usize) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// A tick label: seconds or another quantity, without needless decimals.
pub fn tick_label(x: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{x:.decimals$}")
}

/// An SVG document being written.
pub struct Svg {
    body: String,
    width: f64,
    height: f64,
}

impl Svg {
    /// An empty picture `width` by `height` pixels.
    pub fn new(width: f64, height: f64) -> Svg {
        Svg {
            body: String::new(),
            width,
            height,
        }
    }

    /// A rectangle; `title` becomes its tooltip.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, title: Option<&str>) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}""#,
            num(x),
            num(y),
            num(w),
            num(h)
        );
        match title {
            Some(t) => {
                let _ = writeln!(self.body, "><title>{}</title></rect>", escape(t));
            }
            None => self.body.push_str("/>\n"),
        }
    }

    /// A straight line; `dash` like `"4 3"`.
    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), stroke: &str, dash: Option<&str>) {
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}"{dash}/>"#,
            num(from.0),
            num(from.1),
            num(to.0),
            num(to.1)
        );
    }

    /// Text; `anchor` is `start`, `middle` or `end`; `extra` more attributes.
    pub fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, text: &str, extra: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{}"{}{extra}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            if extra.is_empty() { "" } else { " " },
            escape(text)
        );
    }

    /// A bar standing for a task: pale over its whole length, solid over
    /// the share `solid` (0 to 1) of it from the left — the part of the
    /// task spent on a CPU — with `title` as the tooltip of both.
    #[allow(clippy::too_many_arguments)]
    pub fn task_bar(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: &str,
        solid: f64,
        title: &str,
    ) {
        let _ = write!(
            self.body,
            r#"<g><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" fill-opacity="0.35"/>"#,
            escape(title),
            num(x),
            num(y),
            num(w),
            num(h)
        );
        let solid_w = w * solid.clamp(0.0, 1.0);
        if solid_w >= 0.05 {
            let _ = write!(
                self.body,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
                num(x),
                num(y),
                num(solid_w),
                num(h)
            );
        }
        self.body.push_str("</g>\n");
    }

    /// A polyline through `points`, `width` wide, dashed like `dash`.
    pub fn polyline(
        &mut self,
        points: &[(f64, f64)],
        stroke: &str,
        width: f64,
        dash: Option<&str>,
    ) {
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect();
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="{}"{dash}/>"#,
            path.join(" "),
            num(width)
        );
    }

    /// A rectangle behind text, in the picture's background colour.
    pub fn backdrop(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="white" fill-opacity="0.85"/>"#,
            num(x),
            num(y),
            num(w),
            num(h)
        );
    }

    /// Opens a group of elements named `id` (closed by [`Svg::close_group`]).
    pub fn open_group(&mut self, id: &str) {
        let _ = writeln!(self.body, r#"<g id="{}">"#, escape(id));
    }

    /// Closes the group opened last.
    pub fn close_group(&mut self) {
        self.body.push_str("</g>\n");
    }

    /// Sets the picture's height, once what it holds is known.
    pub fn set_height(&mut self, height: f64) {
        self.height = height;
    }

    /// A polyline through `points`, with a dot at each unless dashed.
    pub fn series(&mut self, points: &[(f64, f64)], stroke: &str, dashed: bool) {
        self.polyline(points, stroke, 2.0, dashed.then_some("6 4"));
        if !dashed {
            for (x, y) in points {
                let _ = writeln!(
                    self.body,
                    r#"<circle cx="{}" cy="{}" r="3" fill="{stroke}"/>"#,
                    num(*x),
                    num(*y)
                );
            }
        }
    }

    /// The finished document.
    pub fn finish(self) -> String {
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" "#,
                r#"font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"#,
                "\n",
                r#"<rect width="100%" height="100%" fill="white"/>"#,
                "\n{body}</svg>\n"
            ),
            w = num(self.width),
            h = num(self.height),
            body = self.body
        )
    }
}

/// One line of a [`Chart`].
pub struct Series {
    /// What the legend calls it.
    pub label: String,
    /// Its colour.
    pub colour: &'static str,
    /// Dashed, without dots: a model's prediction rather than a measurement.
    pub dashed: bool,
    /// Its points (x, y), in order of x.
    pub points: Vec<(f64, f64)>,
}

/// A line chart in a box of the picture.
pub struct Chart {
    /// The title above the chart.
    pub title: String,
    /// The x axis's label.
    pub x_label: String,
    /// The y axis's label.
    pub y_label: String,
    /// Logarithmic (base 2) x axis, ticks at the x values of the points.
    pub log2_x: bool,
    /// The lines drawn.
    pub series: Vec<Series>,
    /// A labelled vertical line (e.g. the number of cores).
    pub marker: Option<(f64, String)>,
}

/// Where a chart's plot lies in the picture and how values map onto it.
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x_lo: f64,
    x_hi: f64,
    y_max: f64,
    log2_x: bool,
}

impl Frame {
    fn tx(&self, v: f64) -> f64 {
        if self.log2_x { v.max(1e-9).log2() } else { v }
    }

    /// The picture's x of value `v`.
    fn px(&self, v: f64) -> f64 {
        self.left + (self.tx(v) - self.x_lo) / (self.x_hi - self.x_lo) * (self.right - self.left)
    }

    /// The picture's y of value `v`.
    fn py(&self, v: f64) -> f64 {
        self.bottom - v / self.y_max * (self.bottom - self.top)
    }
}

/// A box of the picture: left, top, right, bottom.
type Area = (f64, f64, f64, f64);

fn overlaps(a: Area, b: Area) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

impl Chart {
    /// Draws the chart with its top left corner at (`x`, `y`).
    pub fn draw(&self, svg: &mut Svg, x: f64, y: f64, width: f64, height: f64) {
        svg.text(
            x + width / 2.0,
            y + 14.0,
            "middle",
            13.0,
            &self.title,
            r#"font-weight="bold""#,
        );
        let frame = self.frame(x, y, width, height);
        self.draw_axes(svg, &frame, x);
        let legend = self.legend_area(&frame);
        self.draw_marker(svg, &frame, legend);
        for s in &self.series {
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|(a, b)| (frame.px(*a), frame.py(*b)))
                .collect();
            svg.series(&points, s.colour, s.dashed);
        }
        self.draw_legend(svg, legend);
    }

    /// The plot's place in the box at (`x`, `y`) and its scales.
    fn frame(&self, x: f64, y: f64, width: f64, height: f64) -> Frame {
        let points = || self.series.iter().flat_map(|s| s.points.iter());
        let y_max = points().map(|p| p.1).fold(0.0f64, f64::max) * 1.08;
        let mut frame = Frame {
            left: x + 52.0,
            right: x + width - 10.0,
            top: y + 28.0,
            bottom: y + height - 44.0,
            x_lo: 0.0,
            x_hi: 1.0,
            y_max: if y_max > 0.0 { y_max } else { 1.0 },
            log2_x: self.log2_x,
        };
        let (lo, hi) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(frame.tx(p.0)), b.max(frame.tx(p.0)))
        });
        (frame.x_lo, frame.x_hi) = if lo.is_finite() && hi > lo {
            (lo, hi)
        } else if lo.is_finite() {
            (lo - 1.0, lo + 1.0)
        } else {
            (0.0, 1.0)
        };
        frame
    }

    /// The grid, the ticks (each measured x) and the axes' titles.
    fn draw_axes(&self, svg: &mut Svg, f: &Frame, x: f64) {
        let step = tick_step(f.y_max, 5);
        let mut v = 0.0;
        while v <= f.y_max + 1e-9 {
            svg.line((f.left, f.py(v)), (f.right, f.py(v)), "#e5e5e5", None);
            let label = tick_label(v, step);
            svg.text(f.left - 5.0, f.py(v) + 4.0, "end", 10.0, &label, "");
            v += step;
        }
        let mut ticks: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .collect();
        ticks.sort_by(f64::total_cmp);
        ticks.dedup();
        for t in &ticks {
            svg.line(
                (f.px(*t), f.bottom),
                (f.px(*t), f.bottom + 4.0),
                "#333",
                None,
            );
            let label = tick_label(*t, 1.0);
            svg.text(f.px(*t), f.bottom + 16.0, "middle", 10.0, &label, "");
        }
        svg.line((f.left, f.top), (f.left, f.bottom), "#333", None);
        svg.line((f.left, f.bottom), (f.right, f.bottom), "#333", None);
        let middle = (f.left + f.right) / 2.0;
        svg.text(middle, f.bottom + 32.0, "middle", 11.0, &self.x_label, "");
        let (yx, yy) = (x + 12.0, (f.top + f.bottom) / 2.0);
        let rotate = format!(r#"transform="rotate(-90 {} {})""#, num(yx), num(yy));
        svg.text(yx, yy, "middle", 11.0, &self.y_label, &rotate);
    }

    /// The marker's label: the box it takes.
    fn marker_label(&self, f: &Frame) -> Option<Area> {
        let (at, label) = self.marker.as_ref()?;
        let x = f.px(*at);
        let width = 6.0 * label.chars().count() as f64;
        Some((x, f.bottom - 18.0, x + 6.0 + width, f.bottom))
    }

    /// The marker line and its label; the line is broken off around the
    /// legend rather than crossing it.
    fn draw_marker(&self, svg: &mut Svg, f: &Frame, legend: Area) {
        let Some((at, label)) = &self.marker else {
            return;
        };
        let x = f.px(*at);
        let parts = if x >= legend.0 && x <= legend.2 {
            vec![(f.top, legend.1 - 4.0), (legend.3 + 4.0, f.bottom)]
        } else {
            vec![(f.top, f.bottom)]
        };
        for (from, to) in parts.into_iter().filter(|(from, to)| to > from) {
            svg.line((x, from), (x, to), "#888", Some("2 3"));
        }
        svg.text(
            x + 4.0,
            f.bottom - 6.0,
            "start",
            10.0,
            label,
            r##"fill="#555""##,
        );
    }

    /// Where the legend goes: the corner of the plot where it covers the
    /// fewest points of the lines and not the marker's label, top right
    /// when several do.
    fn legend_area(&self, f: &Frame) -> Area {
        let longest = self
            .series
            .iter()
            .map(|s| s.label.chars().count())
            .max()
            .unwrap_or(0);
        let (w, h) = (
            34.0 + 6.0 * longest as f64,
            8.0 + 14.0 * self.series.len() as f64,
        );
        let corners = [
            (f.right - w, f.top),
            (f.left + 6.0, f.top),
            (f.right - w, f.bottom - h - 20.0),
            (f.left + 6.0, f.bottom - h - 20.0),
        ];
        let label = self.marker_label(f);
        let hits = |(lx, ly): (f64, f64)| {
            let area = (lx, ly, lx + w, ly + h);
            let on_label = label.is_some_and(|m| overlaps(area, m));
            let on_lines = self
                .line_samples(f)
                .filter(|(x, y)| *x >= area.0 && *x <= area.2 && *y >= area.1 && *y <= area.3);
            100 * usize::from(on_label) + on_lines.count()
        };
        let (lx, ly) = corners
            .into_iter()
            .min_by_key(|c| hits(*c))
            .unwrap_or(corners[0]);
        (lx, ly, lx + w, ly + h)
    }

    /// The legend in `area`, on a backdrop.
    fn draw_legend(&self, svg: &mut Svg, area: Area) {
        let (lx, ly) = (area.0, area.1);
        svg.backdrop(lx, ly, area.2 - area.0, area.3 - area.1);
        for (i, s) in self.series.iter().enumerate() {
            let y = ly + 10.0 + 14.0 * i as f64;
            let dash = if s.dashed { Some("6 4") } else { None };
            svg.line((lx + 4.0, y), (lx + 24.0, y), s.colour, dash);
            svg.text(lx + 29.0, y + 4.0, "start", 10.0, &s.label, "");
        }
    }

    /// Points along every line of the chart, in the picture's coordinates,
    /// close enough together to find what a box would cover.
    fn line_samples<'a>(&'a self, f: &'a Frame) -> impl Iterator<Item = (f64, f64)> + 'a {
        self.series.iter().flat_map(move |s| {
            let points: Vec<(f64, f64)> =
                s.points.iter().map(|(a, b)| (f.px(*a), f.py(*b))).collect();
            let segments: Vec<((f64, f64), (f64, f64))> =
                points.windows(2).map(|w| (w[0], w[1])).collect();
            let dots = points.clone().into_iter();
            dots.chain(segments.into_iter().flat_map(|(a, b)| {
                (1..20).map(move |i| {
                    let k = i as f64 / 20.0;
                    (a.0 + k * (b.0 - a.0), a.1 + k * (b.1 - a.1))
                })
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_text_are_written_short_and_safe() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(1.239), "1.24");
        assert_eq!(num(-0.001), "0");
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(tick_step(10.0, 5), 2.0);
        assert_eq!(tick_step(0.7, 5), 0.2);
        assert_eq!(tick_label(0.4, 0.2), "0.4");
        assert_eq!(tick_label(20.0, 5.0), "20");
    }

    #[test]
    fn a_document_is_one_svg_element() {
        let mut svg = Svg::new(100.0, 50.0);
        svg.rect(1.0, 2.0, 3.0, 4.0, "#fff", Some("a < b"));
        svg.text(5.0, 6.0, "start", 10.0, "x & y", "");
        let doc = svg.finish();
        assert!(doc.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(doc.trim_end().ends_with("</svg>"));
        assert!(doc.contains("<title>a &lt; b</title>"));
        assert!(doc.contains(">x &amp; y</text>"));
    }

    /// The numbers of the attributes `names` of the first element `tag`
    /// in `doc` matching `filter`.
    fn attributes(doc: &str, tag: &str, filter: &str, names: &[&str]) -> Vec<f64> {
        let element = doc
            .lines()
            .find(|l| l.starts_with(&format!("<{tag} ")) && l.contains(filter))
            .unwrap_or_else(|| panic!("no <{tag}> with {filter} in {doc}"));
        names
            .iter()
            .map(|n| {
                let start = element.find(&format!(" {n}=\"")).unwrap() + n.len() + 3;
                let end = start + element[start..].find('"').unwrap();
                element[start..end].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn the_marker_line_never_crosses_the_legend() {
        // Falling lines, a marker in the middle: the legend takes the top
        // right, which the marker line runs through; it stops under it.
        let chart = Chart {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            log2_x: false,
            series: vec![Series {
                label: "a label long enough to reach the marker".into(),
                colour: "#123456",
                dashed: false,
                points: vec![(1.0, 1.0), (2.0, 0.5), (4.0, 0.55)],
            }],
            marker: Some((2.0, "2 cores".into())),
        };
        let mut svg = Svg::new(340.0, 300.0);
        chart.draw(&mut svg, 0.0, 0.0, 340.0, 300.0);
        let doc = svg.finish();
        let legend = attributes(
            &doc,
            "rect",
            "fill-opacity=\"0.85\"",
            &["x", "y", "width", "height"],
        );
        let marker = attributes(&doc, "line", "stroke=\"#888\"", &["x1", "y1", "y2"]);
        let (left, right) = (legend[0], legend[0] + legend[2]);
        assert!(
            left <= marker[0] && marker[0] <= right,
            "the case tested: {doc}"
        );
        assert!(
            marker[1] > legend[1] + legend[3],
            "starts under the legend: {doc}"
        );
    }
}
