//! Procedural galaxy images in the style of Legacy Surveys g/r/z composites: light
//! profiles summed per band, sky noise, then an asinh colour stretch to 8-bit RGB.

use crate::morph::{ArtifactKind, Class, Morphology};
use crate::rng::Rng;
use std::f32::consts::PI;

/// Image side in pixels (gz_desi cutouts are 424x424 RGB).
pub const SIZE: usize = 424;
const CENTRE: f32 = SIZE as f32 / 2.0;
/// Per-band sky noise (flux units in which a galaxy core is ~1).
const SKY_SIGMA: f32 = 0.006;
/// Softening radius in pixels: stands in for the PSF so cores are not single hot pixels.
const PSF_SOFTENING: f32 = 1.6;

/// Colours as (g, r, z) flux ratios.
type Colour = [f32; 3];
const OLD_STARS: Colour = [0.45, 0.75, 1.0];
const DISK_LIGHT: Colour = [0.7, 0.85, 0.95];
const YOUNG_STARS: Colour = [1.0, 0.8, 0.6];
const TIDAL_LIGHT: Colour = [0.6, 0.8, 0.9];

/// Three float planes (g, r, z) that components add light into.
struct Bands {
    planes: [Vec<f32>; 3],
}

/// A 2-D pose: centre, position angle and axis ratio of an elliptical component.
#[derive(Clone, Copy)]
struct Pose {
    cx: f32,
    cy: f32,
    cos: f32,
    sin: f32,
    q: f32,
}

impl Pose {
    fn new(cx: f32, cy: f32, angle: f32, q: f32) -> Self {
        Pose {
            cx,
            cy,
            cos: angle.cos(),
            sin: angle.sin(),
            q: q.max(0.03),
        }
    }
    /// Pixel → component frame (major axis along x, minor axis stretched back to circular).
    fn frame(&self, x: f32, y: f32) -> (f32, f32) {
        let dx = x - self.cx;
        let dy = y - self.cy;
        (
            dx * self.cos + dy * self.sin,
            (-dx * self.sin + dy * self.cos) / self.q,
        )
    }
}

impl Bands {
    fn new() -> Self {
        Bands {
            planes: [
                vec![0.0; SIZE * SIZE],
                vec![0.0; SIZE * SIZE],
                vec![0.0; SIZE * SIZE],
            ],
        }
    }

    /// Add `f(x, y) * colour` over the square of half-width `reach` around (cx, cy).
    fn add(&mut self, cx: f32, cy: f32, reach: f32, colour: Colour, f: impl Fn(f32, f32) -> f32) {
        let x0 = (cx - reach).floor().max(0.0) as usize;
        let x1 = ((cx + reach).ceil().max(0.0) as usize).min(SIZE);
        let y0 = (cy - reach).floor().max(0.0) as usize;
        let y1 = ((cy + reach).ceil().max(0.0) as usize).min(SIZE);
        for y in y0..y1 {
            for x in x0..x1 {
                let v = f(x as f32 + 0.5, y as f32 + 0.5);
                if v > 1e-5 {
                    let i = y * SIZE + x;
                    for (plane, c) in self.planes.iter_mut().zip(colour) {
                        plane[i] += v * c;
                    }
                }
            }
        }
    }

    /// Multiply every band by `f(x, y)` (dust lanes).
    fn attenuate(&mut self, f: impl Fn(f32, f32) -> f32) {
        for y in 0..SIZE {
            for x in 0..SIZE {
                let a = f(x as f32 + 0.5, y as f32 + 0.5);
                let i = y * SIZE + x;
                for b in 0..3 {
                    // dust reddens: blue light is absorbed more than red
                    let k = [1.0, 0.8, 0.6][b];
                    self.planes[b][i] *= 1.0 - (1.0 - a) * k;
                }
            }
        }
    }

    /// Gaussian point source (star, knot) of total brightness `peak` at its centre.
    fn blob(&mut self, cx: f32, cy: f32, sigma: f32, peak: f32, colour: Colour) {
        let inv = 1.0 / (2.0 * sigma * sigma);
        self.add(cx, cy, sigma * 5.0, colour, |x, y| {
            let r2 = (x - cx).powi(2) + (y - cy).powi(2);
            peak * (-r2 * inv).exp()
        });
    }

    /// Sérsic profile of index `n`, effective radius `re` (pixels) and intensity `amp` at
    /// `re`; `boxiness` > 2 gives boxy isophotes.
    fn sersic(&mut self, pose: Pose, re: f32, n: f32, amp: f32, boxiness: f32, colour: Colour) {
        let bn = 2.0 * n - 1.0 / 3.0;
        let reach = (re * 7.0).min(SIZE as f32);
        self.add(pose.cx, pose.cy, reach, colour, |x, y| {
            let (u, v) = pose.frame(x, y);
            let r = if boxiness > 2.0 {
                (u.abs().powf(boxiness) + v.abs().powf(boxiness)).powf(1.0 / boxiness)
            } else {
                (u * u + v * v).sqrt()
            };
            let r = (r * r + PSF_SOFTENING * PSF_SOFTENING).sqrt();
            amp * (-bn * ((r / re).powf(1.0 / n) - 1.0)).exp()
        });
    }
}

/// Parameters of a disk galaxy shared by its components.
struct Disk {
    pose: Pose,
    scale: f32,
    amp: f32,
}

/// Render one galaxy (with its field) to 424x424 RGB bytes.
pub fn render(m: &Morphology, rng: &mut Rng) -> Vec<u8> {
    let mut bands = Bands::new();
    let cx = CENTRE + rng.range(-4.0, 4.0) as f32;
    let cy = CENTRE + rng.range(-4.0, 4.0) as f32;
    let angle = rng.range(0.0, std::f64::consts::PI) as f32;
    // GZ DESI cutouts are scaled to the galaxy, so the galaxy fills a similar fraction.
    let size = rng.range(30.0, 52.0) as f32;

    field(&mut bands, rng);
    match m.class {
        Class::Smooth => smooth(&mut bands, m, cx, cy, angle, size, rng),
        Class::Featured if m.edge_on => edge_on(&mut bands, m, cx, cy, angle, size, rng),
        Class::Featured => face_on(&mut bands, m, cx, cy, angle, size, rng),
        Class::Artifact => artifact(&mut bands, m, cx, cy, angle, rng),
    }
    if m.merging > 0 && m.class != Class::Artifact {
        interaction(&mut bands, m.merging, cx, cy, size, rng);
    }
    noise_and_stretch(&bands, m, rng)
}

/// Field stars and small background galaxies.
fn field(bands: &mut Bands, rng: &mut Rng) {
    for _ in 0..rng.int(3, 12) {
        let (x, y) = (
            rng.range(0.0, SIZE as f64) as f32,
            rng.range(0.0, SIZE as f64) as f32,
        );
        let colour = [rng.range(0.4, 1.0) as f32, 0.85, rng.range(0.6, 1.1) as f32];
        bands.blob(
            x,
            y,
            1.6,
            (rng.range(0.05, 1.0).powi(3) * 3.0) as f32,
            colour,
        );
    }
    for _ in 0..rng.int(2, 8) {
        let (x, y) = (
            rng.range(0.0, SIZE as f64) as f32,
            rng.range(0.0, SIZE as f64) as f32,
        );
        let pose = Pose::new(x, y, rng.range(0.0, 3.2) as f32, rng.range(0.3, 1.0) as f32);
        bands.sersic(
            pose,
            rng.range(1.5, 4.0) as f32,
            1.0,
            rng.range(0.01, 0.05) as f32,
            0.0,
            OLD_STARS,
        );
    }
}

fn smooth(b: &mut Bands, m: &Morphology, cx: f32, cy: f32, angle: f32, size: f32, rng: &mut Rng) {
    let q = match m.roundness {
        0 => rng.range(0.82, 1.0),
        1 => rng.range(0.5, 0.78),
        _ => rng.range(0.22, 0.42),
    } as f32;
    let n = rng.range(2.5, 4.5) as f32;
    b.sersic(
        Pose::new(cx, cy, angle, q),
        size * 0.7,
        n,
        rng.range(0.08, 0.18) as f32,
        0.0,
        OLD_STARS,
    );
}

fn face_on(b: &mut Bands, m: &Morphology, cx: f32, cy: f32, angle: f32, size: f32, rng: &mut Rng) {
    let q = rng.range(0.6, 1.0) as f32;
    let disk = Disk {
        pose: Pose::new(cx, cy, angle, q),
        scale: size * 0.8,
        amp: rng.range(0.5, 0.9) as f32,
    };
    let arm_strength = if m.spiral {
        rng.range(0.5, 0.75) as f32
    } else {
        0.0
    };
    let pitch = [0.2f32, 0.38, 0.62][m.winding] * rng.range(0.85, 1.15) as f32;
    let arms = m.arms as f32;
    let phase0 = rng.range(0.0, 6.3) as f32;
    let bar_len = [1.3f32, 0.8, 0.0][m.bar] * disk.scale;
    let bar_angle = rng.range(0.0, 3.2) as f32;
    let inner = bar_len.max(disk.scale * 0.35);
    let Disk { pose, scale, amp } = disk;
    // Exponential disk, with light moved from inter-arm regions into logarithmic arms.
    b.add(cx, cy, scale * 6.0, DISK_LIGHT, |x, y| {
        let (u, v) = pose.frame(x, y);
        let r = (u * u + v * v).sqrt().max(0.5);
        let base = amp * (-r / scale).exp();
        if arm_strength == 0.0 || r < inner * 0.7 {
            return base;
        }
        let theta = v.atan2(u);
        let phase = arms * (theta - (r / inner).ln() / pitch.tan()) + phase0;
        let arm = (0.5 * (1.0 + phase.cos())).powi(3);
        let ramp = ((r - inner * 0.7) / (inner * 0.6)).clamp(0.0, 1.0);
        base * (1.0 - arm_strength * ramp + 2.5 * arm_strength * ramp * arm)
    });
    if m.spiral {
        // Blue star-forming knots strung along the arms.
        for k in 0..(rng.int(6, 18)) {
            let arm_index = (k as f32 % arms).floor();
            let r = inner * (1.0 + rng.range(0.0, 2.0) as f32);
            let theta = ((r / inner).ln() / pitch.tan() - phase0 + 2.0 * PI * arm_index) / arms;
            let (u, v) = (r * theta.cos(), r * theta.sin() * pose.q);
            let x = cx + u * pose.cos - v * pose.sin;
            let y = cy + u * pose.sin + v * pose.cos;
            b.blob(
                x,
                y,
                rng.range(1.2, 2.4) as f32,
                amp * rng.range(0.2, 0.6) as f32,
                YOUNG_STARS,
            );
        }
    }
    if bar_len > 0.0 {
        let strength = if m.bar == 0 { 0.7 } else { 0.35 };
        let bar_pose = Pose::new(cx, cy, angle + bar_angle * 0.3, 1.0);
        let (c, s) = (bar_angle.cos(), bar_angle.sin());
        b.add(cx, cy, bar_len * 1.2, OLD_STARS, |x, y| {
            let (u, v) = bar_pose.frame(x, y);
            let (u, v) = (u * c + v * s, -u * s + v * c);
            let t = 1.0 - (u / bar_len).powi(2) - (v / (bar_len * 0.28)).powi(2);
            if t > 0.0 {
                amp * strength * 2.0 * t.powf(1.5)
            } else {
                0.0
            }
        });
    }
    let bulge_amp = [0.5f32, 0.35, 0.3, 0.3, 0.0][m.bulge];
    let bulge_re = [0.55f32, 0.4, 0.28, 0.18, 0.0][m.bulge] * scale;
    if bulge_amp > 0.0 {
        b.sersic(
            Pose::new(cx, cy, angle, (q + 0.2).min(1.0)),
            bulge_re,
            2.5,
            bulge_amp,
            0.0,
            OLD_STARS,
        );
    }
}

fn edge_on(b: &mut Bands, m: &Morphology, cx: f32, cy: f32, angle: f32, size: f32, rng: &mut Rng) {
    let scale = size * 1.1;
    let thickness = scale * rng.range(0.07, 0.13) as f32;
    let pose = Pose::new(cx, cy, angle, 1.0);
    let amp = rng.range(0.8, 1.4) as f32;
    b.add(cx, cy, scale * 6.0, DISK_LIGHT, |x, y| {
        let (u, v) = pose.frame(x, y);
        let sech = 1.0 / (v / thickness).cosh();
        amp * (-(u.abs() / scale)).exp() * sech * sech
    });
    match m.edge_bulge {
        0 => b.sersic(
            Pose::new(cx, cy, angle, 0.75),
            scale * 0.3,
            1.5,
            0.5,
            3.5,
            OLD_STARS,
        ),
        2 => b.sersic(
            Pose::new(cx, cy, angle, 0.85),
            scale * 0.3,
            3.0,
            0.4,
            0.0,
            OLD_STARS,
        ),
        _ => {}
    }
    if rng.chance(0.7) {
        let depth = rng.range(0.4, 0.75) as f32;
        let width = thickness * 0.35;
        let offset = thickness * rng.range(-0.3, 0.3) as f32;
        b.attenuate(|x, y| {
            let (u, v) = pose.frame(x, y);
            let along = (-(u / (scale * 2.5)).powi(2)).exp();
            1.0 - depth * along * (-((v - offset) / width).powi(2)).exp()
        });
    }
}

fn artifact(b: &mut Bands, m: &Morphology, cx: f32, cy: f32, angle: f32, rng: &mut Rng) {
    // A faint, small real galaxy is usually somewhere in the frame.
    b.sersic(
        Pose::new(cx, cy, angle, 0.7),
        rng.range(4.0, 9.0) as f32,
        2.0,
        0.2,
        0.0,
        OLD_STARS,
    );
    match m.artifact {
        ArtifactKind::SatelliteTrail => {
            let (s, c) = (angle + 0.7).sin_cos();
            let offset = rng.range(-60.0, 60.0) as f32;
            let colour = [
                [1.0, 0.1, 0.1],
                [0.1, 1.0, 0.1],
                [0.1, 0.1, 1.0],
                [1.0, 1.0, 1.0],
            ][rng.int(0, 3) as usize];
            b.add(CENTRE, CENTRE, CENTRE, colour, |x, y| {
                let d = (x - CENTRE) * s - (y - CENTRE) * c - offset;
                3.0 * (-(d * d) / 3.0).exp()
            });
        }
        ArtifactKind::BrightStar => {
            let (x, y) = (
                cx + rng.range(-50.0, 50.0) as f32,
                cy + rng.range(-50.0, 50.0) as f32,
            );
            b.blob(x, y, 3.0, 400.0, [0.9, 0.95, 1.0]);
            b.add(x, y, SIZE as f32, [0.9, 0.95, 1.0], |px, py| {
                let (dx, dy) = (px - x, py - y);
                let r = (dx * dx + dy * dy).sqrt().max(1.0);
                let halo = 6.0 / (1.0 + (r / 5.0).powi(2));
                let spike =
                    4.0 * (-(dx.abs().min(dy.abs()) / 1.2).powi(2)).exp() / (1.0 + r / 25.0);
                halo + spike
            });
        }
        ArtifactKind::BadColumns => {
            let x0 = rng.range(40.0, 380.0) as f32;
            let w = rng.range(8.0, 40.0) as f32;
            b.add(CENTRE, CENTRE, CENTRE, [0.3, 1.0, 0.6], |x, _| {
                if (x - x0).abs() < w { 0.6 } else { 0.0 }
            });
        }
    }
}

/// Tidal features and companions: 1 minor (faint debris), 2 major (long tails), 3 merger.
fn interaction(b: &mut Bands, level: usize, cx: f32, cy: f32, size: f32, rng: &mut Rng) {
    let tails = if level == 1 { 1 } else { 2 };
    let brightness = [0.0f32, 0.004, 0.007, 0.009][level];
    let length = size * [0.0f32, 2.0, 3.5, 3.5][level];
    let start = rng.range(0.0, 6.3) as f32;
    for t in 0..tails {
        let dir = start + PI * t as f32;
        let bend = rng.range(0.8, 1.6) as f32 * if rng.chance(0.5) { 1.0 } else { -1.0 };
        for k in 0..60 {
            let s = k as f32 / 60.0;
            let r = size * 0.8 + length * s;
            let a = dir + bend * s;
            b.blob(
                cx + r * a.cos(),
                cy + r * a.sin(),
                5.0 + 9.0 * s,
                brightness * (1.0 - 0.7 * s),
                TIDAL_LIGHT,
            );
        }
    }
    if level == 3 {
        let d = size * rng.range(0.6, 1.2) as f32;
        let a = rng.range(0.0, 6.3) as f32;
        let pose = Pose::new(
            cx + d * a.cos(),
            cy + d * a.sin(),
            a,
            rng.range(0.5, 0.9) as f32,
        );
        b.sersic(
            pose,
            size * rng.range(0.3, 0.6) as f32,
            2.5,
            rng.range(0.15, 0.4) as f32,
            0.0,
            OLD_STARS,
        );
    }
}

/// Add sky noise and map g/r/z flux to RGB with a Lupton-style asinh stretch.
fn noise_and_stretch(b: &Bands, m: &Morphology, rng: &mut Rng) -> Vec<u8> {
    let mut out = vec![0u8; SIZE * SIZE * 3];
    let gain = rng.range(0.85, 1.2) as f32;
    let bad_columns = m.class == Class::Artifact && m.artifact == ArtifactKind::BadColumns;
    const SOFTENING: f32 = 12.0;
    let norm = (SOFTENING * 1.2).asinh();
    for i in 0..SIZE * SIZE {
        let g = b.planes[0][i] + SKY_SIGMA * rng.normal() as f32;
        let r = b.planes[1][i] + SKY_SIGMA * rng.normal() as f32;
        let z = b.planes[2][i] + SKY_SIGMA * rng.normal() as f32;
        // Legacy Surveys composites put z in red, r in green, g in blue.
        let (red, green, blue) = (z * 1.05 * gain, r * 1.0 * gain, g * 1.25 * gain);
        let intensity = ((red + green + blue) / 3.0).max(1e-6);
        let k = (SOFTENING * intensity).asinh() / (norm * intensity);
        let mut px = [red * k, green * k, blue * k];
        if bad_columns && (i % SIZE) % 97 < 3 {
            px = [0.0, 0.0, 0.0];
        }
        for (c, v) in px.iter().enumerate() {
            out[i * 3 + c] = (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
        }
    }
    out
}
