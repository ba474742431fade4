//! Rasterising the sky map into an RGBA buffer: projected points as dots (coloured by a
//! value through the colour map, or plain), or a HEALPix density map. Pure: the browser
//! copies the buffer to a canvas and draws the vector overlays over it.

use super::colormap;
use super::healpix;
use super::projection::SkyView;

/// Where the projection's origin sits on the canvas and how large it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Screen {
    pub width: u32,
    pub height: u32,
    /// Device pixels per projection unit.
    pub scale: f64,
    /// Device pixel of the projection origin.
    pub cx: f64,
    pub cy: f64,
}

impl Screen {
    /// Projection units to device pixels (y grows down on screen).
    pub fn to_px(&self, x: f64, y: f64) -> (f64, f64) {
        (self.cx + x * self.scale, self.cy - y * self.scale)
    }
    /// Device pixels to projection units.
    pub fn from_px(&self, px: f64, py: f64) -> (f64, f64) {
        ((px - self.cx) / self.scale, (self.cy - py) / self.scale)
    }
    fn bytes(&self) -> usize {
        self.width as usize * self.height as usize * 4
    }
    /// Polylines in projection units as SVG path data in device pixels (`M x y L x y …`,
    /// a tenth of a pixel): the canvas strokes it from one string (a `Path2D`) instead of
    /// a call across to the browser per vertex. A point that is not finite breaks its line.
    pub fn path_data(&self, lines: &[Vec<(f64, f64)>]) -> String {
        let vertices: usize = lines.iter().map(Vec::len).sum();
        let mut d = String::with_capacity(vertices * 14);
        for line in lines {
            let mut open = false;
            for &(x, y) in line {
                let (px, py) = self.to_px(x, y);
                if !(px.is_finite() && py.is_finite()) {
                    open = false;
                    continue;
                }
                d.push(if open { 'L' } else { 'M' });
                push_tenths(&mut d, px);
                d.push(' ');
                push_tenths(&mut d, py);
                open = true;
            }
        }
        d
    }
}

/// Append `v` rounded to a tenth (`-12.3`), by integer formatting: a float's own
/// formatting at a fixed precision cost more than the rest of a frame's overlay drawing.
fn push_tenths(d: &mut String, v: f64) {
    use std::fmt::Write;
    let t = (v * 10.0).round();
    // beyond any canvas: clamped (the canvas clips it anyway)
    let t = t.clamp(-1e12, 1e12) as i64;
    if t < 0 {
        d.push('-');
    }
    let a = t.unsigned_abs();
    let _ = write!(d, "{}.{}", a / 10, a % 10);
}

pub const BACKGROUND: [u8; 3] = [11, 14, 22];
/// Points when no value colours them.
pub const PLAIN: [u8; 3] = [236, 214, 142];

/// Fill the buffer with the background: doubling copies of one pixel (a few memcpys,
/// whatever the optimisation level).
pub fn clear(buf: &mut Vec<u8>, screen: &Screen) {
    let len = screen.bytes();
    buf.clear();
    buf.resize(len, 255);
    if len < 4 {
        return;
    }
    buf[..4].copy_from_slice(&[BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 255]);
    let mut filled = 4;
    while filled < len {
        let n = filled.min(len - filled);
        buf.copy_within(..n, filled);
        filled += n;
    }
}

/// Draw square dots of `dot` device pixels at the projected points (`px`/`py` in projection
/// units, NaN = not drawn) in `spans` (sorted ranges `(start, end)` of the points, as
/// [`super::points::SkyPoints::filled_spans`] gives them: a map whose slots are mostly
/// still empty is not walked slot by slot at every frame). With `values`, points whose
/// value is NaN ("not asked") are drawn first in the neutral grey and the rest over them
/// through the colour map; without, all in the plain colour. Returns how many points
/// landed on the canvas.
pub fn draw_spans(
    buf: &mut [u8],
    screen: &Screen,
    px: &[f32],
    py: &[f32],
    values: Option<&[f32]>,
    dot: u32,
    spans: &[(usize, usize)],
) -> usize {
    let (w, h) = (screen.width as i64, screen.height as i64);
    if buf.len() < screen.bytes() || w == 0 || h == 0 {
        return 0;
    }
    let (s, cx, cy) = (screen.scale as f32, screen.cx as f32, screen.cy as f32);
    let dot = dot.clamp(1, 8) as i64;
    let half = (dot - 1) as f32 / 2.0;
    let table = colormap::table();
    let (wf, hf) = (w as f32, h as f32);
    let mut drawn = 0;
    let mut plot = |i: usize, rgb: [u8; 3]| {
        let (x, y) = (px[i], py[i]);
        // NaN fails every comparison below, so it is skipped with the off-canvas points
        let (fx, fy) = (cx + x * s - half, cy - y * s - half);
        if !(fx > -(dot as f32) && fy > -(dot as f32) && fx < wf && fy < hf) {
            return;
        }
        let (x0, y0) = (fx.floor() as i64, fy.floor() as i64);
        if x0 + dot <= 0 || y0 + dot <= 0 || x0 >= w || y0 >= h {
            return;
        }
        drawn += 1;
        for yy in y0.max(0)..(y0 + dot).min(h) {
            let row = (yy * w) as usize * 4;
            for xx in x0.max(0)..(x0 + dot).min(w) {
                let o = row + xx as usize * 4;
                buf[o..o + 3].copy_from_slice(&rgb);
            }
        }
    };
    let n = px.len().min(py.len());
    // every index of the spans, in order, below `n`
    let indices = || spans.iter().flat_map(move |&(a, b)| a.min(n)..b.min(n));
    if dot == 1 {
        // the common case of many points: one tight loop per colour pass, no closure
        let pass = |buf: &mut [u8], pick: &dyn Fn(usize) -> Option<[u8; 3]>| -> usize {
            let mut drawn = 0;
            let stride = w as usize;
            for &(a, b) in spans {
                for i in a.min(n)..b.min(n) {
                    let (fx, fy) = (cx + px[i] * s, cy - py[i] * s);
                    if fx >= 0.0
                        && fy >= 0.0
                        && fx < wf
                        && fy < hf
                        && let Some(rgb) = pick(i)
                    {
                        let o = (fy as usize * stride + fx as usize) * 4;
                        if let Some(p) = buf.get_mut(o..o + 3) {
                            p.copy_from_slice(&rgb);
                            drawn += 1;
                        }
                    }
                }
            }
            drawn
        };
        return match values {
            None => pass(buf, &|_| Some(PLAIN)),
            Some(v) => {
                let missing = pass(buf, &|i| {
                    v.get(i).filter(|x| x.is_nan()).map(|_| colormap::MISSING)
                });
                missing
                    + pass(buf, &|i| {
                        v.get(i)
                            .filter(|x| !x.is_nan())
                            .map(|x| table[(x.clamp(0.0, 1.0) * 255.0).round() as usize])
                    })
            }
        };
    }
    match values {
        None => indices().for_each(|i| plot(i, PLAIN)),
        Some(v) => {
            // not asked first, so an answered galaxy on the same pixel shows over it
            for i in indices() {
                if v.get(i).is_some_and(|x| x.is_nan()) {
                    plot(i, colormap::MISSING);
                }
            }
            for i in indices() {
                if let Some(x) = v.get(i).filter(|x| !x.is_nan()) {
                    plot(i, table[(x.clamp(0.0, 1.0) * 255.0).round() as usize]);
                }
            }
        }
    }
    drawn
}

/// Counts per HEALPix pixel (RING) of the points with positions.
pub fn healpix_counts(nside: u32, ra: &[f32], dec: &[f32]) -> Vec<u32> {
    let mut counts = vec![0u32; healpix::npix(nside) as usize];
    for (r, d) in ra.iter().zip(dec) {
        if r.is_finite()
            && d.is_finite()
            && let Some(c) =
                counts.get_mut(healpix::ang2pix_ring(nside, *r as f64, *d as f64) as usize)
        {
            *c += 1;
        }
    }
    counts
}

/// Paint every `block`×`block` square of the canvas by the density of the HEALPix cell under
/// its centre (log scale from 1 to the fullest cell; empty sky dark but unlike the space
/// outside the projection). Returns the fullest cell's count.
pub fn draw_density(
    buf: &mut [u8],
    screen: &Screen,
    view: &SkyView,
    nside: u32,
    counts: &[u32],
    block: u32,
) -> u32 {
    let max = counts.iter().copied().max().unwrap_or(0);
    if buf.len() < screen.bytes() {
        return max;
    }
    let (w, h) = (screen.width, screen.height);
    let block = block.clamp(1, 16);
    let log_max = (max.max(2) as f32).ln();
    let table = colormap::table();
    const EMPTY: [u8; 3] = [24, 28, 40];
    let mut by = 0;
    while by < h {
        let mut bx = 0;
        while bx < w {
            let (x, y) = screen.from_px(
                bx as f64 + block as f64 / 2.0,
                by as f64 + block as f64 / 2.0,
            );
            let rgb = match view.unproject(x, y) {
                None => None,
                Some((ra, dec)) => {
                    let c = counts
                        .get(healpix::ang2pix_ring(nside, ra, dec) as usize)
                        .copied()
                        .unwrap_or(0);
                    Some(if c == 0 {
                        EMPTY
                    } else {
                        table[((c as f32).ln() / log_max * 255.0).clamp(0.0, 255.0) as usize]
                    })
                }
            };
            if let Some(rgb) = rgb {
                for yy in by..(by + block).min(h) {
                    for xx in bx..(bx + block).min(w) {
                        let o = (yy as usize * w as usize + xx as usize) * 4;
                        buf[o..o + 3].copy_from_slice(&rgb);
                    }
                }
            }
            bx += block;
        }
        by += block;
    }
    max
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_data_moves_at_each_line_and_at_each_break() {
        let screen = Screen {
            width: 100,
            height: 50,
            cx: 50.0,
            cy: 25.0,
            scale: 10.0,
        };
        let lines = vec![
            vec![
                (0.0, 0.0),
                (1.0, 1.0),
                (f64::NAN, 0.0),
                (2.0, -1.0),
                (2.5, -1.0),
            ],
            vec![(-1.0, 0.5)],
            vec![],
        ];
        let d = screen.path_data(&lines);
        assert_eq!(d, "M50.0 25.0L60.0 15.0M70.0 35.0L75.0 35.0M40.0 20.0");
        assert_eq!(screen.path_data(&[]), "");
        // negative, rounding and off-canvas coordinates
        let d = screen.path_data(&[vec![(-5.004, 2.56), (-5.06, -0.001)]]);
        assert_eq!(d, "M0.0 -0.6L-0.6 25.0");
        let mut t = String::new();
        for v in [0.04, -0.04, -0.06, 1234.55, -7.0] {
            push_tenths(&mut t, v);
            t.push(',');
        }
        assert_eq!(t, "0.0,0.0,-0.1,1234.6,-7.0,");
    }

    use super::*;
    use crate::sky::projection::Projection;

    /// Every point.
    const ALL: &[(usize, usize)] = &[(0, usize::MAX)];

    /// A 20 × 10 canvas, one pixel a projection unit, centred.
    fn small_screen() -> Screen {
        Screen {
            width: 20,
            height: 10,
            scale: 1.0,
            cx: 10.0,
            cy: 5.0,
        }
    }

    fn pixel(buf: &[u8], s: &Screen, x: u32, y: u32) -> [u8; 3] {
        let o = (y as usize * s.width as usize + x as usize) * 4;
        [buf[o], buf[o + 1], buf[o + 2]]
    }

    #[test]
    fn screen_round_trips_and_puts_north_up() {
        let s = Screen {
            width: 200,
            height: 100,
            scale: 30.0,
            cx: 100.0,
            cy: 50.0,
        };
        let (px, py) = s.to_px(1.0, 1.0);
        assert_eq!(
            (px, py),
            (130.0, 20.0),
            "y up in projection units is up on screen"
        );
        let (x, y) = s.from_px(px, py);
        assert!((x - 1.0).abs() < 1e-12 && (y - 1.0).abs() < 1e-12);
    }

    #[test]
    fn drawing_spans_draws_only_their_points_in_the_same_layers() {
        let s = small_screen();
        let px = [0.0, 2.0, 2.0, -3.0, 4.0, 4.0, -5.0];
        let py = [0.0, 1.0, 1.0, 2.0, -1.0, -1.0, 0.0];
        let values = [f32::NAN, 0.9, f32::NAN, 0.2, 0.5, f32::NAN, 0.1];
        let spans = [(1, 3), (4, 6)];
        for dot in [1, 3] {
            for v in [None, Some(&values[..])] {
                // the reference: every point drawn, those outside the spans NaN
                let (mut rx, mut ry) = (px, py);
                for i in [0, 3, 6] {
                    (rx[i], ry[i]) = (f32::NAN, f32::NAN);
                }
                let (mut want, mut got) = (Vec::new(), Vec::new());
                clear(&mut want, &s);
                clear(&mut got, &s);
                let n_want = draw_spans(&mut want, &s, &rx, &ry, v, dot, ALL);
                let n_got = draw_spans(&mut got, &s, &px, &py, v, dot, &spans);
                assert_eq!((n_got, &got), (n_want, &want), "dot {dot}, values {v:?}");
                assert_eq!(n_got, 4);
            }
        }
        let mut grown = vec![1.0f32, 2.0];
        grow_nan(&mut grown, 5);
        assert_eq!(&grown[..2], &[1.0, 2.0]);
        assert!(grown[2..].iter().all(|x| x.is_nan()) && grown.len() == 5);
        grow_nan(&mut grown, 1);
        assert_eq!(grown, vec![1.0]);
    }

    #[test]
    fn points_land_where_projected_and_not_asked_is_grey_under_the_rest() {
        let s = small_screen();
        let mut buf = Vec::new();
        clear(&mut buf, &s);
        assert_eq!(pixel(&buf, &s, 3, 3), BACKGROUND);
        let px = [0.0, 2.0, 2.0, f32::NAN, 500.0];
        let py = [0.0, 1.0, 1.0, 0.0, 0.0];
        let drawn = draw_spans(&mut buf, &s, &px, &py, None, 1, ALL);
        assert_eq!(drawn, 3, "NaN and off-canvas points are skipped");
        assert_eq!(pixel(&buf, &s, 10, 5), PLAIN);
        assert_eq!(
            pixel(&buf, &s, 12, 4),
            PLAIN,
            "(2, 1) is right of and above the centre"
        );
        clear(&mut buf, &s);
        // two points on one pixel: the asked one wins whatever its order
        let values = [1.0, 0.0, f32::NAN, 0.5, 0.5];
        draw_spans(&mut buf, &s, &px, &py, Some(&values), 1, ALL);
        assert_eq!(pixel(&buf, &s, 12, 4), colormap::color(0.0));
        assert_eq!(pixel(&buf, &s, 10, 5), colormap::color(1.0));
        let only_missing = [f32::NAN; 5];
        clear(&mut buf, &s);
        draw_spans(&mut buf, &s, &px, &py, Some(&only_missing), 3, ALL);
        assert_eq!(
            pixel(&buf, &s, 11, 4),
            colormap::MISSING,
            "3-pixel dots cover their neighbours"
        );
        assert_ne!(colormap::MISSING, colormap::color(0.5));
    }

    #[test]
    fn density_is_brightest_where_points_crowd_and_dark_outside_the_sky() {
        let view = SkyView::new(Projection::Mollweide, 0.0, 0.0);
        let s = Screen {
            width: 200,
            height: 100,
            scale: 33.0,
            cx: 100.0,
            cy: 50.0,
        };
        let mut ra = vec![10.0f32; 50];
        let mut dec = vec![20.0f32; 50];
        ra.push(200.0);
        dec.push(-40.0);
        let counts = healpix_counts(16, &ra, &dec);
        assert_eq!(counts.iter().sum::<u32>(), 51);
        let mut buf = Vec::new();
        clear(&mut buf, &s);
        let max = draw_density(&mut buf, &s, &view, 16, &counts, 1);
        assert_eq!(max, 50);
        let (x, y) = view.project(10.0, 20.0).unwrap();
        let (px, py) = s.to_px(x, y);
        assert_eq!(
            pixel(&buf, &s, px as u32, py as u32),
            colormap::color(1.0),
            "the crowded cell is the top colour"
        );
        assert_eq!(
            pixel(&buf, &s, 1, 1),
            BACKGROUND,
            "outside the ellipse stays background"
        );
        assert_ne!(
            pixel(&buf, &s, 100, 90),
            BACKGROUND,
            "empty sky inside the ellipse is painted"
        );
    }
}

/// Make `v` hold `n` values, the new ones NaN, by one memory fill when it grows (400,000
/// slots of a full load, written one at a time, were milliseconds of a frame in code the
/// browser had only just compiled).
pub fn grow_nan(v: &mut Vec<f32>, n: usize) {
    if v.len() < n {
        let mut grown = super::all_ones::<f32>(n);
        grown[..v.len()].copy_from_slice(v);
        *v = grown;
    } else {
        v.truncate(n);
    }
}

/// Mollweide centred on the equator, turned about the pole: a point's y and the cosine of
/// its auxiliary angle depend only on its declination, so they are computed once per point
/// and a turn of the view (dragging the all-sky map sideways) costs a subtraction and a
/// multiplication per point instead of a projection.
#[derive(Debug, Default)]
pub struct MollweideTurn {
    cos_theta: Vec<f32>,
    y: Vec<f32>,
}

impl MollweideTurn {
    /// Per-point terms of `xyz` (interleaved unit vectors; NaN where unknown).
    pub fn new(xyz: &[f32]) -> Self {
        let mut turn = MollweideTurn::default();
        turn.update(xyz, 0, xyz.len() / 3);
        turn
    }

    /// Recompute the terms of points `start..start + len` only (points that have arrived),
    /// growing to hold every point of `xyz`.
    pub fn update(&mut self, xyz: &[f32], start: usize, len: usize) {
        let n = xyz.len() / 3;
        grow_nan(&mut self.cos_theta, n);
        grow_nan(&mut self.y, n);
        let end = (start + len).min(n);
        if start >= end {
            return;
        }
        let mut x0 = vec![0.0f32; end - start];
        let y = &mut self.y[start..end];
        SkyView::new(super::projection::Projection::Mollweide, 0.0, 0.0).project_into(
            &xyz[3 * start..3 * end],
            &mut x0,
            y,
        );
        for (c, &y) in self.cos_theta[start..end].iter_mut().zip(y.iter()) {
            *c = (1.0 - (y / std::f32::consts::SQRT_2).powi(2))
                .max(0.0)
                .sqrt();
        }
    }

    /// Project every point for a view centred on (ra0, 0): the same result as
    /// `SkyView::new(Mollweide, ra0, 0).project_batch`, up to f32 rounding.
    pub fn project(&self, ra: &[f32], ra0: f64, out_x: &mut Vec<f32>, out_y: &mut Vec<f32>) {
        let n = ra.len().min(self.y.len());
        // every point is written below: the outputs keep their length (a frame of a drag
        // does not write 2 × 400,000 NaNs first), and only grow
        out_x.truncate(n);
        out_y.truncate(n);
        out_x.resize(n, f32::NAN);
        out_y.resize(n, f32::NAN);
        self.project_range(ra, ra0, 0, n, out_x, out_y);
    }

    /// [`MollweideTurn::project`] for points `start..start + len` only, into outputs that
    /// already hold every point.
    pub fn project_range(
        &self,
        ra: &[f32],
        ra0: f64,
        start: usize,
        len: usize,
        out_x: &mut [f32],
        out_y: &mut [f32],
    ) {
        let k = (2.0 * std::f32::consts::SQRT_2 / std::f32::consts::PI)
            * (std::f32::consts::PI / 180.0);
        let ra0 = ra0.rem_euclid(360.0) as f32;
        let end = (start + len)
            .min(ra.len())
            .min(self.y.len())
            .min(out_x.len())
            .min(out_y.len());
        if start >= end {
            return;
        }
        for (((x, &r), &c), (y, &y0)) in out_x[start..end]
            .iter_mut()
            .zip(&ra[start..end])
            .zip(&self.cos_theta[start..end])
            .zip(out_y[start..end].iter_mut().zip(&self.y[start..end]))
        {
            let mut l = r - ra0;
            if l > 180.0 {
                l -= 360.0;
            } else if l <= -180.0 {
                l += 360.0;
            }
            // east is left: larger RA, smaller x
            *x = -k * l * c;
            *y = y0;
        }
    }
}

#[cfg(test)]
mod turn_tests {
    use super::*;
    use crate::sky::projection::{Projection, unit_vector};

    #[test]
    fn projecting_into_used_buffers_writes_every_point() {
        let (ra, xyz): (Vec<f32>, Vec<f32>) = (0..300)
            .map(|i| {
                let (r, d) = (i as f64 * 1.2, (i as f64 * 0.6) - 89.0);
                let v = unit_vector(r, d);
                (r as f32, v)
            })
            .fold((Vec::new(), Vec::new()), |(mut ra, mut xyz), (r, v)| {
                ra.push(r);
                xyz.extend(v.iter().map(|&c| c as f32));
                (ra, xyz)
            });
        let turn = MollweideTurn::new(&xyz);
        let (mut fx, mut fy) = (Vec::new(), Vec::new());
        turn.project(&ra, 40.0, &mut fx, &mut fy);
        // buffers left from a larger, other view: the same result, the same length
        let (mut ux, mut uy) = (vec![7.5f32; 500], vec![-3.0f32; 500]);
        turn.project(&ra, 40.0, &mut ux, &mut uy);
        assert_eq!((ux.len(), uy.len()), (300, 300));
        assert!(fx.iter().zip(&ux).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(fy.iter().zip(&uy).all(|(a, b)| a.to_bits() == b.to_bits()));
        let view = SkyView::new(Projection::HammerAitoff, 10.0, 20.0);
        let (mut bx, mut by) = (Vec::new(), Vec::new());
        view.project_batch(&xyz, &mut bx, &mut by);
        let (mut vx, mut vy) = (vec![9.0f32; 100], vec![9.0f32; 100]);
        view.project_batch(&xyz, &mut vx, &mut vy);
        assert_eq!(vx.len(), 300);
        assert!(bx.iter().zip(&vx).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(by.iter().zip(&vy).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn turning_mollweide_matches_projecting_it() {
        let mut ra = Vec::new();
        let mut xyz = Vec::new();
        for i in 0..2000 {
            let (r, d) = (
                (i as f64 * 137.508) % 360.0,
                ((i as f64 * 0.618).fract() * 180.0 - 90.0) * 0.999,
            );
            ra.push(r as f32);
            xyz.extend(unit_vector(r, d).map(|v| v as f32));
        }
        ra.push(f32::NAN);
        xyz.extend([f32::NAN; 3]);
        let turn = MollweideTurn::new(&xyz);
        for ra0 in [0.0, 37.5, 180.0, 359.0] {
            let (mut ax, mut ay, mut bx, mut by) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            turn.project(&ra, ra0, &mut ax, &mut ay);
            SkyView::new(Projection::Mollweide, ra0, 0.0).project_batch(&xyz, &mut bx, &mut by);
            for i in 0..ra.len() - 1 {
                let from_seam = ((ra[i] as f64 - ra0).rem_euclid(360.0) - 180.0).abs();
                if from_seam < 0.01 {
                    continue; // on the seam either edge is right
                }
                assert!(
                    (ax[i] - bx[i]).abs() < 2e-5 && (ay[i] - by[i]).abs() < 2e-5,
                    "ra0 {ra0}, point {i}: {} {} vs {} {}",
                    ax[i],
                    ay[i],
                    bx[i],
                    by[i]
                );
            }
            assert!(
                ax[ra.len() - 1].is_nan() && ay[ra.len() - 1].is_nan(),
                "unknown points stay undrawn"
            );
        }
    }

    #[test]
    fn points_arriving_later_are_projected_alone() {
        let n = 1000;
        let mut ra = vec![f32::NAN; n];
        let mut xyz = vec![f32::NAN; 3 * n];
        let mut turn = MollweideTurn::new(&xyz);
        let (mut px, mut py) = (Vec::new(), Vec::new());
        turn.project(&ra, 40.0, &mut px, &mut py);
        assert!(px.iter().all(|x| x.is_nan()), "nothing has arrived");
        // two runs arrive, out of order; only they are recomputed and re-projected
        for (start, len) in [(600, 250), (0, 100)] {
            for i in start..start + len {
                let (r, d) = ((i as f64 * 71.3) % 360.0, (i as f64 * 0.37) % 170.0 - 85.0);
                ra[i] = r as f32;
                xyz[3 * i..3 * i + 3].copy_from_slice(&unit_vector(r, d).map(|v| v as f32));
            }
            turn.update(&xyz, start, len);
            turn.project_range(&ra, 40.0, start, len, &mut px, &mut py);
        }
        let (mut fx, mut fy) = (Vec::new(), Vec::new());
        MollweideTurn::new(&xyz).project(&ra, 40.0, &mut fx, &mut fy);
        for i in 0..n {
            let same = |a: f32, b: f32| (a.is_nan() && b.is_nan()) || a == b;
            assert!(
                same(px[i], fx[i]) && same(py[i], fy[i]),
                "point {i}: {} {} vs {} {}",
                px[i],
                py[i],
                fx[i],
                fy[i]
            );
        }
        assert!(px[650].is_finite() && px[50].is_finite() && px[300].is_nan());
        // and a projection into slices matches the batch one
        let view = SkyView::new(Projection::HammerAitoff, 120.0, 30.0);
        let (mut bx, mut by) = (Vec::new(), Vec::new());
        view.project_batch(&xyz, &mut bx, &mut by);
        let (mut sx, mut sy) = (vec![0.0f32; 250], vec![0.0f32; 250]);
        view.project_into(&xyz[3 * 600..3 * 850], &mut sx, &mut sy);
        assert_eq!((&sx[..], &sy[..]), (&bx[600..850], &by[600..850]));
    }
}
