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
}

pub const BACKGROUND: [u8; 3] = [11, 14, 22];
/// Points when no value colours them.
pub const PLAIN: [u8; 3] = [236, 214, 142];

/// Fill the buffer with the background.
pub fn clear(buf: &mut Vec<u8>, screen: &Screen) {
    buf.clear();
    buf.reserve(screen.bytes());
    for _ in 0..screen.width as usize * screen.height as usize {
        buf.extend_from_slice(&[BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 255]);
    }
}

/// Draw square dots of `dot` device pixels at the projected points (`px`/`py` in projection
/// units, NaN = not drawn). With `values`, points whose value is NaN ("not asked") are
/// drawn first in the neutral grey and the rest over them through the colour map; without,
/// all in the plain colour. Returns how many points landed on the canvas.
pub fn draw_points(buf: &mut [u8], screen: &Screen, px: &[f32], py: &[f32], values: Option<&[f32]>, dot: u32) -> usize {
    let (w, h) = (screen.width as i64, screen.height as i64);
    if buf.len() < screen.bytes() || w == 0 || h == 0 {
        return 0;
    }
    let (s, cx, cy) = (screen.scale as f32, screen.cx as f32, screen.cy as f32);
    let dot = dot.clamp(1, 8) as i64;
    let half = (dot - 1) as f32 / 2.0;
    let table = colormap::table();
    let mut drawn = 0;
    let mut plot = |i: usize, rgb: [u8; 3]| {
        let (x, y) = (px[i], py[i]);
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        let x0 = (cx + x * s - half).floor() as i64;
        let y0 = (cy - y * s - half).floor() as i64;
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
    match values {
        None => (0..n).for_each(|i| plot(i, PLAIN)),
        Some(v) => {
            for i in 0..n.min(v.len()) {
                if v[i].is_nan() {
                    plot(i, colormap::MISSING);
                }
            }
            for i in 0..n.min(v.len()) {
                if !v[i].is_nan() {
                    plot(i, table[(v[i].clamp(0.0, 1.0) * 255.0).round() as usize]);
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
        if r.is_finite() && d.is_finite() {
            if let Some(c) = counts.get_mut(healpix::ang2pix_ring(nside, *r as f64, *d as f64) as usize) {
                *c += 1;
            }
        }
    }
    counts
}

/// Paint every `block`×`block` square of the canvas by the density of the HEALPix cell under
/// its centre (log scale from 1 to the fullest cell; empty sky dark but unlike the space
/// outside the projection). Returns the fullest cell's count.
pub fn draw_density(buf: &mut [u8], screen: &Screen, view: &SkyView, nside: u32, counts: &[u32], block: u32) -> u32 {
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
            let (x, y) = screen.from_px(bx as f64 + block as f64 / 2.0, by as f64 + block as f64 / 2.0);
            let rgb = match view.unproject(x, y) {
                None => None,
                Some((ra, dec)) => {
                    let c = counts.get(healpix::ang2pix_ring(nside, ra, dec) as usize).copied().unwrap_or(0);
                    Some(if c == 0 { EMPTY } else { table[((c as f32).ln() / log_max * 255.0).clamp(0.0, 255.0) as usize] })
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
    use super::*;
    use crate::sky::projection::Projection;

    fn pixel(buf: &[u8], s: &Screen, x: u32, y: u32) -> [u8; 3] {
        let o = (y as usize * s.width as usize + x as usize) * 4;
        [buf[o], buf[o + 1], buf[o + 2]]
    }

    #[test]
    fn screen_round_trips_and_puts_north_up() {
        let s = Screen { width: 200, height: 100, scale: 30.0, cx: 100.0, cy: 50.0 };
        let (px, py) = s.to_px(1.0, 1.0);
        assert_eq!((px, py), (130.0, 20.0), "y up in projection units is up on screen");
        let (x, y) = s.from_px(px, py);
        assert!((x - 1.0).abs() < 1e-12 && (y - 1.0).abs() < 1e-12);
    }

    #[test]
    fn points_land_where_projected_and_not_asked_is_grey_under_the_rest() {
        let s = Screen { width: 20, height: 10, scale: 1.0, cx: 10.0, cy: 5.0 };
        let mut buf = Vec::new();
        clear(&mut buf, &s);
        assert_eq!(pixel(&buf, &s, 3, 3), BACKGROUND);
        let px = [0.0, 2.0, 2.0, f32::NAN, 500.0];
        let py = [0.0, 1.0, 1.0, 0.0, 0.0];
        let drawn = draw_points(&mut buf, &s, &px, &py, None, 1);
        assert_eq!(drawn, 3, "NaN and off-canvas points are skipped");
        assert_eq!(pixel(&buf, &s, 10, 5), PLAIN);
        assert_eq!(pixel(&buf, &s, 12, 4), PLAIN, "(2, 1) is right of and above the centre");
        clear(&mut buf, &s);
        // two points on one pixel: the asked one wins whatever its order
        let values = [1.0, 0.0, f32::NAN, 0.5, 0.5];
        draw_points(&mut buf, &s, &px, &py, Some(&values), 1);
        assert_eq!(pixel(&buf, &s, 12, 4), colormap::color(0.0));
        assert_eq!(pixel(&buf, &s, 10, 5), colormap::color(1.0));
        let only_missing = [f32::NAN; 5];
        clear(&mut buf, &s);
        draw_points(&mut buf, &s, &px, &py, Some(&only_missing), 3);
        assert_eq!(pixel(&buf, &s, 11, 4), colormap::MISSING, "3-pixel dots cover their neighbours");
        assert_ne!(colormap::MISSING, colormap::color(0.5));
    }

    #[test]
    fn density_is_brightest_where_points_crowd_and_dark_outside_the_sky() {
        let view = SkyView::new(Projection::Mollweide, 0.0, 0.0);
        let s = Screen { width: 200, height: 100, scale: 33.0, cx: 100.0, cy: 50.0 };
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
        assert_eq!(pixel(&buf, &s, px as u32, py as u32), colormap::color(1.0), "the crowded cell is the top colour");
        assert_eq!(pixel(&buf, &s, 1, 1), BACKGROUND, "outside the ellipse stays background");
        assert_ne!(pixel(&buf, &s, 100, 90), BACKGROUND, "empty sky inside the ellipse is painted");
    }
}
