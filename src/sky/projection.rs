//! Map projections of the celestial sphere, following the FITS WCS conventions
//! (Calabretta & Greisen 2002, A&A 395, 1077) for MOL, AIT, TAN and SIN.
//!
//! Each view rotates the sphere so that its centre (ra0, dec0) becomes the native origin with
//! celestial north up (the WCS default LONPOLE), then projects the native longitude/latitude (φ, θ).
//! Units: R = 1, so wcslib's intermediate world coordinates (degrees) are ours times 180/π.
//! Sign: east is LEFT, as on sky charts, so our `x` is wcslib's `x` negated
//! (equivalently: pixel offsets of a WCS with CDELT1 = −1, CDELT2 = +1, times π/180).
//!
//! One deliberate difference: at a centre exactly on a pole wcslib's default LONPOLE flips the
//! zenithal projections by 180°; we keep the limit of "north up" approached from below.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI, SQRT_2};
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Projection {
    Mollweide,
    HammerAitoff,
    Gnomonic,
    Orthographic,
}

impl Projection {
    pub const ALL: [Projection; 4] = [
        Projection::Mollweide,
        Projection::HammerAitoff,
        Projection::Gnomonic,
        Projection::Orthographic,
    ];

    /// Whether the whole sphere fits on the map (with a seam at the centre's antimeridian).
    pub fn all_sky(self) -> bool {
        matches!(self, Projection::Mollweide | Projection::HammerAitoff)
    }

    pub fn name(self) -> &'static str {
        match self {
            Projection::Mollweide => "Mollweide",
            Projection::HammerAitoff => "Hammer-Aitoff",
            Projection::Gnomonic => "Gnomonic (TAN)",
            Projection::Orthographic => "Orthographic (SIN)",
        }
    }

    /// Short URL-safe name.
    pub fn key(self) -> &'static str {
        match self {
            Projection::Mollweide => "mollweide",
            Projection::HammerAitoff => "hammer",
            Projection::Gnomonic => "gnomonic",
            Projection::Orthographic => "orthographic",
        }
    }

    pub fn from_key(s: &str) -> Option<Projection> {
        Self::ALL.into_iter().find(|p| p.key() == s)
    }

    /// Half width and half height of the whole projected sky in projection units (R = 1):
    /// Mollweide and Hammer 2√2 × √2; Orthographic 1 × 1; Gnomonic: None (unbounded).
    pub fn extent(self) -> Option<(f64, f64)> {
        match self {
            Projection::Mollweide | Projection::HammerAitoff => Some((2.0 * SQRT_2, SQRT_2)),
            Projection::Orthographic => Some((1.0, 1.0)),
            Projection::Gnomonic => None,
        }
    }
}

/// Gnomonic views draw nothing this far (degrees) or farther from their centre.
pub const GNOMONIC_LIMIT_DEG: f64 = 89.0;
/// cos(GNOMONIC_LIMIT_DEG): the native x component below which gnomonic points are not drawn.
const GNOMONIC_MIN_COS: f64 = 0.017_452_406_437_283_5;
/// Orthographic: points this little beyond the limb (rounding, e.g. a pole exactly 90° away) are drawn on it.
const LIMB: f64 = 1e-12;
/// Mollweide x scale: x = (2√2/π) φ cos γ.
const MOL_KX: f64 = 2.0 * SQRT_2 / PI;

/// Unit vector of (ra, dec) in degrees.
pub fn unit_vector(ra: f64, dec: f64) -> [f64; 3] {
    let (sa, ca) = ra.to_radians().sin_cos();
    let (sd, cd) = dec.to_radians().sin_cos();
    [cd * ca, cd * sa, sd]
}

/// (ra in [0, 360), dec in [−90, 90]) of any non-zero vector.
pub(crate) fn radec_of(v: [f64; 3]) -> (f64, f64) {
    let mut ra = v[1].atan2(v[0]).to_degrees().rem_euclid(360.0);
    if ra >= 360.0 {
        ra = 0.0; // rem_euclid of a tiny negative number rounds up to 360
    }
    let dec = v[2].atan2(v[0].hypot(v[1])).to_degrees();
    (ra, dec)
}

/// Angular distance in degrees (Vincenty's formula: accurate at all separations).
pub fn separation(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (a, b) = (unit_vector(ra1, dec1), unit_vector(ra2, dec2));
    let cross = [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ];
    let sin = (cross[0] * cross[0] + cross[1] * cross[1] + cross[2] * cross[2]).sqrt();
    let cos = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    sin.atan2(cos).to_degrees()
}

/// Rotation from equatorial to native axes: rows are native x (towards the centre),
/// y (towards the east at the centre) and z (towards the north at the centre).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rotation([[f64; 3]; 3]);

impl Rotation {
    fn new(ra0: f64, dec0: f64) -> Self {
        let (sa, ca) = ra0.to_radians().sin_cos();
        let (sd, cd) = dec0.to_radians().sin_cos();
        Rotation([
            [cd * ca, cd * sa, sd],
            [-sa, ca, 0.0],
            [-sd * ca, -sd * sa, cd],
        ])
    }
    #[inline(always)]
    pub(crate) fn apply(&self, v: [f64; 3]) -> [f64; 3] {
        let m = &self.0;
        let row = |r: &[f64; 3]| r[0] * v[0] + r[1] * v[1] + r[2] * v[2];
        [row(&m[0]), row(&m[1]), row(&m[2])]
    }
    /// Native to equatorial (the transpose).
    fn invert(&self, n: [f64; 3]) -> [f64; 3] {
        let m = &self.0;
        let col = |c: usize| m[0][c] * n[0] + m[1][c] * n[1] + m[2][c] * n[2];
        [col(0), col(1), col(2)]
    }
}

/// A projection centred on (ra0, dec0), north up, RA increasing to the LEFT (east left, as on sky charts).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkyView {
    pub projection: Projection,
    pub ra0: f64,
    pub dec0: f64,
}

impl SkyView {
    pub fn new(projection: Projection, ra0: f64, dec0: f64) -> Self {
        SkyView {
            projection,
            ra0,
            dec0,
        }
    }

    pub(crate) fn rotation(&self) -> Rotation {
        Rotation::new(self.ra0, self.dec0)
    }

    /// Native unit vector of (ra, dec): x towards the centre, y east, z north.
    pub(crate) fn native_vector(&self, ra: f64, dec: f64) -> [f64; 3] {
        self.rotation().apply(unit_vector(ra, dec))
    }

    /// Native longitude and latitude (φ, θ) in degrees: (0, 0) at the centre, φ positive to the east,
    /// |φ| = 180 on the all-sky projections' seam.
    pub fn native(&self, ra: f64, dec: f64) -> (f64, f64) {
        let n = self.native_vector(ra, dec);
        (
            n[1].atan2(n[0]).to_degrees(),
            n[2].atan2(n[0].hypot(n[1])).to_degrees(),
        )
    }

    /// Projects a native unit vector exactly (the reference for `project_batch`).
    pub(crate) fn project_native(&self, n: [f64; 3]) -> Option<(f64, f64)> {
        let (x, y) = match self.projection {
            Projection::Mollweide => {
                let rho = n[0].hypot(n[1]);
                let (sin_g, cos_g) = mollweide_aux(n[2], rho);
                (-MOL_KX * n[1].atan2(n[0]) * cos_g, SQRT_2 * sin_g)
            }
            p => project_simple(p, n),
        };
        (x.is_finite() && y.is_finite()).then_some((x, y))
    }

    /// (x, y) in projection units (R = 1); x grows to the screen's right, y grows UP.
    /// None where the point is not drawn (gnomonic: angular distance from centre >= 89°; orthographic: far hemisphere).
    pub fn project(&self, ra: f64, dec: f64) -> Option<(f64, f64)> {
        self.project_native(self.native_vector(ra, dec))
    }

    /// Inverse: None outside the projected sky (outside the Mollweide/Hammer ellipse, outside the orthographic disc).
    /// Returned ra in [0, 360), dec in [-90, 90].
    pub fn unproject(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        const EDGE: f64 = 1.0 + 1e-12; // forgive rounding exactly on the outline
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        let east = -x;
        let native = match self.projection {
            Projection::Mollweide => {
                if (x / (2.0 * SQRT_2)).powi(2) + (y / SQRT_2).powi(2) > EDGE {
                    return None;
                }
                // sin γ = y/√2; then 1 − |sin θ| = (w − sin w)/π with w = π − 2|γ| (no cancellation at the poles)
                let sin_g = (y / SQRT_2).clamp(-1.0, 1.0);
                let cos_g = ((1.0 - sin_g.abs()) * (1.0 + sin_g.abs())).sqrt();
                let s = w_minus_sin_w(2.0 * cos_g.atan2(sin_g.abs())) / PI;
                let (sin_t, cos_t) = ((1.0 - s).copysign(sin_g), (s * (2.0 - s)).max(0.0).sqrt());
                let phi = if cos_g > 0.0 {
                    (east / (MOL_KX * cos_g)).clamp(-PI, PI)
                } else {
                    0.0
                };
                [cos_t * phi.cos(), cos_t * phi.sin(), sin_t]
            }
            Projection::HammerAitoff => {
                let z2 = 1.0 - east * east / 16.0 - y * y / 4.0;
                if 2.0 * z2 * EDGE < 1.0 {
                    return None;
                }
                let z = z2.sqrt();
                let phi = 2.0 * (z * east / 2.0).atan2(2.0 * z2 - 1.0);
                let sin_t = (z * y).clamp(-1.0, 1.0);
                let cos_t = ((1.0 - sin_t) * (1.0 + sin_t)).sqrt();
                [cos_t * phi.cos(), cos_t * phi.sin(), sin_t]
            }
            Projection::Gnomonic => [1.0, east, y],
            Projection::Orthographic => {
                let r2 = x * x + y * y;
                if r2 > EDGE {
                    return None;
                }
                [(1.0 - r2).max(0.0).sqrt(), east, y]
            }
        };
        Some(radec_of(self.rotation().invert(native)))
    }

    /// Fast batch path for the rasteriser: `xyz` is interleaved unit vectors (x, y, z per point, f32,
    /// equatorial: x = cos dec cos ra, y = cos dec sin ra, z = sin dec). Writes projected x/y (f32,
    /// same units as `project`) into out_x/out_y (cleared and filled, same length as points), NaN when
    /// not drawn. Agrees with `project` to 1e-5 (in practice ~1e-6: Mollweide's auxiliary angle
    /// comes from a table or a series, its longitude from a fitted polynomial; the other projections
    /// share `project`'s formulas). Allocation-free apart from sizing the outputs.
    pub fn project_batch(&self, xyz: &[f32], out_x: &mut Vec<f32>, out_y: &mut Vec<f32>) {
        let n = xyz.len() / 3;
        // every point is written below: the outputs keep their length, and only grow
        out_x.truncate(n);
        out_y.truncate(n);
        out_x.resize(n, f32::NAN);
        out_y.resize(n, f32::NAN);
        self.project_into(xyz, out_x, out_y);
    }

    /// [`SkyView::project_batch`] into slices, as many points as fit (for projecting only the
    /// points that arrived since the last frame).
    pub fn project_into(&self, xyz: &[f32], out_x: &mut [f32], out_y: &mut [f32]) {
        let rot = self.rotation();
        let table = if self.projection == Projection::Mollweide {
            mollweide_table()
        } else {
            &[]
        };
        // Blocks of points go through small stack buffers, one short indexed loop per step: the
        // CPU overlaps consecutive points of a short loop far better than of one long one (and
        // at opt-level "z", the wasm profile, iterator adapters would not even be inlined).
        let (mut nx, mut ny, mut nz, mut phi) = (
            [0.0f64; BLOCK],
            [0.0f64; BLOCK],
            [0.0f64; BLOCK],
            [0.0f64; BLOCK],
        );
        let outs = out_x.chunks_mut(BLOCK).zip(out_y.chunks_mut(BLOCK));
        for (block, (out_x, out_y)) in xyz.chunks(3 * BLOCK).zip(outs) {
            let n = (block.len() / 3)
                .min(out_x.len())
                .min(out_y.len())
                .min(BLOCK);
            let (block, out_x, out_y) = (&block[..3 * n], &mut out_x[..n], &mut out_y[..n]);
            for i in 0..n {
                let [x, y, z] = rot.apply([
                    f64::from(block[3 * i]),
                    f64::from(block[3 * i + 1]),
                    f64::from(block[3 * i + 2]),
                ]);
                (nx[i], ny[i], nz[i]) = (x, y, z);
            }
            match self.projection {
                Projection::Mollweide => {
                    for i in 0..n {
                        phi[i] = fast_atan2(ny[i], nx[i]);
                    }
                    for i in 0..n {
                        (out_x[i], out_y[i]) =
                            finish(mollweide_fast(table, [nx[i], ny[i], nz[i]], phi[i]));
                    }
                }
                Projection::HammerAitoff => {
                    for i in 0..n {
                        (out_x[i], out_y[i]) = finish(project_simple(
                            Projection::HammerAitoff,
                            [nx[i], ny[i], nz[i]],
                        ));
                    }
                }
                Projection::Gnomonic => {
                    for i in 0..n {
                        (out_x[i], out_y[i]) =
                            finish(project_simple(Projection::Gnomonic, [nx[i], ny[i], nz[i]]));
                    }
                }
                Projection::Orthographic => {
                    for i in 0..n {
                        (out_x[i], out_y[i]) = finish(project_simple(
                            Projection::Orthographic,
                            [nx[i], ny[i], nz[i]],
                        ));
                    }
                }
            }
        }
    }
}

const BLOCK: usize = 128;

/// A projected point as f32, NaN in both coordinates if either is NaN or infinite.
///
/// The per-point maths has no data-dependent branch: random sky positions would mispredict half
/// of them, and at opt-level "z" LLVM turns every float `if`, select, `min`/`max` (library calls
/// there) and `is_finite` into a branch. So flags come from sign bits (`negative`), "not drawn"
/// is a NaN made arithmetically (0/0), and NaN or ∞ in either coordinate spreads to
/// both through (x − x) + (y − y): 0 for finite values, else NaN.
#[inline(always)]
#[allow(clippy::eq_op, reason = "x − x is the point: 0, or NaN for NaN and ∞")]
fn finish((x, y): (f64, f64)) -> (f32, f32) {
    let bad = (x - x) + (y - y);
    ((x + bad) as f32, (y + bad) as f32)
}

/// 1.0 if v's sign bit is set (v < 0 or −0), else 0.0 (from bits: no branch, no int-to-float conversion).
#[inline(always)]
fn negative(v: f64) -> f64 {
    f64::from_bits((v.to_bits() >> 63).wrapping_neg() & 1.0f64.to_bits())
}

/// Hammer-Aitoff, gnomonic and orthographic from a native vector, NaN when not drawn (no branches:
/// see `finish`). Hammer uses half-angle identities instead of φ:
/// ρ cos(φ/2) = √(ρ(ρ + x)/2), ρ sin(φ/2) = ±√(ρ(ρ − x)/2), where of ρ ± x the larger is ρ + |x|
/// and the smaller y²/(ρ + |x|), free of cancellation.
#[inline(always)]
#[allow(clippy::eq_op, reason = "g / g is the point: 1, or NaN for 0")]
fn project_simple(p: Projection, [x, y, z]: [f64; 3]) -> (f64, f64) {
    match p {
        Projection::HammerAitoff => {
            let rho = (x * x + y * y).sqrt(); // (hypot is a slow library call)
            let big = rho + x.abs();
            let small = y * y / (big + f64::MIN_POSITIVE);
            let west = negative(x); // x < 0: ρ + x is the small one
            let (plus, minus) = (big + west * (small - big), small + west * (big - small));
            let c = (0.5 * rho * plus).sqrt();
            let s = (0.5 * rho * minus).sqrt().copysign(y);
            let inv_z = 1.0 / (1.0 + c).sqrt();
            (-2.0 * SQRT_2 * s * inv_z, SQRT_2 * z * inv_z)
        }
        Projection::Gnomonic => {
            // g = d + |d| is 2d > 0 where drawn (d = x − cos 89° > 0), else 0: g/(g x) is 1/x or 0/0
            let d = x - GNOMONIC_MIN_COS;
            let g = d + d.abs();
            let inv = g / (g * x);
            (-y * inv, z * inv)
        }
        Projection::Orthographic => {
            let d = x + LIMB;
            let g = d + d.abs();
            let nan = g / g - 1.0; // 0 where drawn, else 0/0
            (nan - y, nan + z)
        }
        Projection::Mollweide => (f64::NAN, f64::NAN), // never comes here
    }
}

/// w − sin w, by its series where the subtraction would cancel (and a library call cost more).
fn w_minus_sin_w(w: f64) -> f64 {
    if w.abs() < 0.75 {
        // w³/3! − w⁵/5! + … + w¹⁵/15! (the next term is below 1e-16 of the sum)
        const C: [f64; 7] = [
            1.0 / 6.0,
            1.0 / 120.0,
            1.0 / 5040.0,
            1.0 / 362_880.0,
            1.0 / 39_916_800.0,
            1.0 / 6_227_020_800.0,
            1.0 / 1_307_674_368_000.0,
        ];
        let w2 = w * w;
        w * w2
            * (C[0]
                - w2 * (C[1] - w2 * (C[2] - w2 * (C[3] - w2 * (C[4] - w2 * (C[5] - w2 * C[6]))))))
    } else {
        w - w.sin()
    }
}

/// Mollweide's auxiliary angle γ (2γ + sin 2γ = π sin θ) as (sin γ, cos γ), from sin θ and cos θ ≥ 0.
/// Near the poles it solves for w = π − 2|γ| instead: w − sin w = π (1 − |sin θ|), where
/// 1 − |sin θ| = cos²θ / (1 + |sin θ|) keeps full precision.
fn mollweide_aux(sin_t: f64, cos_t: f64) -> (f64, f64) {
    let za = if sin_t.abs() > 1.0 { 1.0 } else { sin_t.abs() }; // (f64::min would swallow NaN)
    let s = cos_t * cos_t / (1.0 + za);
    if s < 0.1 {
        let target = PI * s;
        // w³/6 ≈ πs, with the next series term: the root is within 0.2%; Newton from there.
        let w0 = (6.0 * target).cbrt();
        let mut w = w0 * (1.0 + w0 * w0 / 60.0);
        for _ in 0..4 {
            let d = 2.0 * (0.5 * w).sin().powi(2); // 1 − cos w
            if d > 0.0 {
                w -= (w_minus_sin_w(w) - target) / d;
            }
        }
        let (s_d, c_d) = (0.5 * w).sin_cos(); // δ = w/2 = π/2 − |γ|
        (c_d.copysign(sin_t), s_d)
    } else {
        // f(γ) = 2γ + sin 2γ − π|z| is increasing and concave on [0, π/2]: Newton from γ = π|z|/4
        // (left of the root) climbs monotonically; f' = 4 cos²γ ≥ 4 cos²(0.94) here.
        let target = PI * za;
        let mut g = 0.25 * target;
        for _ in 0..30 {
            let step = (2.0 * g + (2.0 * g).sin() - target) / (4.0 * g.cos().powi(2));
            g -= step;
            if step.abs() < 1e-15 {
                break;
            }
        }
        let g = g.clamp(0.0, FRAC_PI_2);
        (g.sin().copysign(sin_t), g.cos())
    }
}

/// Mollweide table: sin θ = z ∈ [−1, 1] in TABLE_N intervals, each holding cubic Hermite polynomials
/// in the fraction f ∈ [0, 1] across it for sin γ and cos γ (coefficients of 1, f, f², f³), in f64
/// (on x86 a scalar f32 → f64 conversion also waits for its target register's old value, which
/// chains each point to the one before unless the compiler adds fix-ups; opt-level "z" omits them).
/// Used for |z| ≤ TABLE_Z, where the error stays below 6e-7 in x; nearer the poles (1.5% of the
/// sphere), where γ(z) has a cube-root singularity, `mollweide_polar` runs. 64 KB, a cache line per interval.
const TABLE_N: usize = 1024;
const TABLE_Z: f64 = 0.985;

/// One table interval: the coefficients for sin γ, then for cos γ; one cache line.
#[derive(Clone, Copy)]
#[repr(align(64))]
struct Row([f64; 8]);

fn mollweide_table() -> &'static [Row] {
    static TABLE: OnceLock<Vec<Row>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let h = 2.0 / TABLE_N as f64;
        // value and derivative per unit f: d(sin γ)/dz = π/(4 cos γ), d(cos γ)/dz = −π sin γ/(4 cos² γ)
        let node = |i: usize| {
            let z = (-1.0 + h * i as f64).clamp(-1.0, 1.0);
            let (s, c) = mollweide_aux(z, (1.0 - z * z).max(0.0).sqrt());
            let k = if c > 1e-3 { h * PI / (4.0 * c) } else { 0.0 }; // the end intervals are never used
            ((s, k), (c, -k * s / c.max(1e-3)))
        };
        let cubic = |(p0, m0): (f64, f64), (p1, m1): (f64, f64)| {
            [
                p0,
                m0,
                3.0 * (p1 - p0) - 2.0 * m0 - m1,
                2.0 * (p0 - p1) + m0 + m1,
            ]
        };
        (0..TABLE_N)
            .map(|i| {
                let ((s0, c0), (s1, c1)) = (node(i), node(i + 1));
                let (s, c) = (cubic(s0, s1), cubic(c0, c1));
                Row([s[0], s[1], s[2], s[3], c[0], c[1], c[2], c[3]])
            })
            .collect()
    })
}

/// (sin γ, cos γ) near the poles for the batch path, to ~1e-11 with no library call but cbrt:
/// w = π − 2|γ| solves w − sin w = π(1 − |z|) = πs. Reverting the series w³/6 − w⁵/120 + w⁷/5040
/// gives w ≈ u (1 + u²/60 + u⁴/1400) with u = (6πs)^(1/3) (relative error ~1e-6 for s ≤ 0.02),
/// then one Newton step with the series; sin and cos of δ = w/2 ≤ 0.35 by their series.
#[inline(never)] // cold: keeps the hot loop small
fn mollweide_polar(z: f64, rho: f64) -> (f64, f64) {
    let s = rho * rho / (1.0 + z.abs());
    let u = (6.0 * PI * s).cbrt();
    let u2 = u * u;
    let w = u * (1.0 + u2 * (1.0 / 60.0 + u2 * (1.0 / 1400.0)));
    let w2 = w * w;
    // 1 − cos w = w²/2 − w⁴/24 + w⁶/720 − w⁸/40320 (constants as reciprocals: no divisions)
    let d = w2 * (0.5 - w2 * (1.0 / 24.0 - w2 * (1.0 / 720.0 - w2 * (1.0 / 40_320.0))));
    let w = w - (w_minus_sin_w(w) - PI * s) / (d + f64::MIN_POSITIVE);
    let (h, h2) = (0.5 * w, 0.25 * w * w);
    let sin_d = h
        * (1.0
            - h2 * (1.0 / 6.0 - h2 * (1.0 / 120.0 - h2 * (1.0 / 5040.0 - h2 * (1.0 / 362_880.0)))));
    let cos_d = 1.0
        - h2 * (0.5
            - h2 * (1.0 / 24.0
                - h2 * (1.0 / 720.0 - h2 * (1.0 / 40_320.0 - h2 * (1.0 / 3_628_800.0)))));
    (cos_d.copysign(z), sin_d)
}

/// Mollweide from a native vector and its longitude φ, with the table.
#[inline(always)]
fn mollweide_fast(table: &[Row], [x, y, z]: [f64; 3], phi: f64) -> (f64, f64) {
    /// Adding 2⁵² rounds to an integer, which then sits in the low mantissa bits.
    const ROUND: f64 = 4_503_599_627_370_496.0;
    let (sin_g, cos_g) = if z.abs() <= TABLE_Z {
        let t = (z + 1.0) * (TABLE_N as f64 * 0.5);
        // floor(t) without a float-int-float round trip (at an exact integer it may give t − 1 and f = 1: same value)
        let k = (t - 0.5) + ROUND;
        let i = ((k.to_bits() & 0xffff_ffff) as usize).min(TABLE_N - 1);
        let f = t - (k - ROUND);
        let f2 = f * f;
        match table.get(i) {
            Some(&Row([s0, s1, s2, s3, c0, c1, c2, c3])) => (
                (s0 + f * s1) + f2 * (s2 + f * s3),
                (c0 + f * c1) + f2 * (c2 + f * c3),
            ),
            None => (f64::NAN, f64::NAN),
        }
    } else {
        mollweide_polar(z, (x * x + y * y).sqrt())
    };
    (-MOL_KX * phi * cos_g, SQRT_2 * sin_g)
}

/// atan2(y, x) to 6e-9 rad with one division, no library call and no branch (see `finish`);
/// at the origin, where atan2 means nothing, it returns ±π/4 or ±3π/4.
/// With a = |y|, b = |x|: atan2(a, b) = π/4 − atan r with r = (b − a)/(b + a) ∈ [−1, 1], and
/// atan r = r P(r²), P of degree 8 fitted here (weighted least squares refined towards minimax).
/// Then π − t when x < 0 and y's sign, folded into one multiply-add. Short dependency chains
/// matter more than operation counts here: the CPU overlaps consecutive points only so far.
#[inline(always)]
fn fast_atan2(y: f64, x: f64) -> f64 {
    const P: [f64; 9] = [
        0.999_999_886_383_313,
        -0.333_325_970_294_655,
        0.199_859_067_840_513_6,
        -0.141_612_293_015_461_35,
        0.104_989_464_242_551_48,
        -0.072_348_580_032_495_74,
        0.039_781_230_199_644_815,
        -0.014_401_361_596_629_914,
        0.002_456_725_426_903_158_5,
    ];
    let (a, b) = (y.abs(), x.abs());
    let r = (b - a) / (b + a + f64::MIN_POSITIVE);
    let back = negative(x);
    // Estrin's scheme: a tree instead of Horner's chain
    let q = r * r;
    let q2 = q * q;
    let q4 = q2 * q2;
    let low = (P[0] + P[1] * q) + q2 * (P[2] + P[3] * q);
    let high = (P[4] + P[5] * q) + q2 * (P[6] + P[7] * q);
    let poly = (low + q4 * high) + q4 * q4 * P[8];
    // t = π/4 − r P; result π − t when x < 0
    ((FRAC_PI_4 + back * FRAC_PI_2) + (2.0 * back - 1.0) * (r * poly)).copysign(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small deterministic generator (xorshift64*) for test points.
    pub(crate) struct Rng(pub u64);
    impl Rng {
        pub fn next_f64(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
        /// Uniform on the sphere: (ra, dec) in degrees.
        pub fn sky(&mut self) -> (f64, f64) {
            (
                360.0 * self.next_f64(),
                (2.0 * self.next_f64() - 1.0).asin().to_degrees(),
            )
        }
    }

    /// One row of a reference table: fields after the first (a tag) as numbers.
    fn rows(csv: &'static str) -> impl Iterator<Item = (String, Vec<f64>)> {
        csv.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("kind"))
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut it = l.split(',');
                let tag = it.next().unwrap().to_string();
                (tag, it.map(|v| v.trim().parse::<f64>().unwrap()).collect())
            })
    }

    const REFERENCE: [(Projection, &str); 4] = [
        (
            Projection::Mollweide,
            include_str!("reference/projection_mol.csv"),
        ),
        (
            Projection::HammerAitoff,
            include_str!("reference/projection_ait.csv"),
        ),
        (
            Projection::Gnomonic,
            include_str!("reference/projection_tan.csv"),
        ),
        (
            Projection::Orthographic,
            include_str!("reference/projection_sin.csv"),
        ),
    ];
    const DEG: f64 = 180.0 / PI; // wcslib's R

    #[test]
    fn keys_names_extent() {
        for p in Projection::ALL {
            assert_eq!(Projection::from_key(p.key()), Some(p));
            assert_eq!(
                p.all_sky(),
                matches!(p, Projection::Mollweide | Projection::HammerAitoff)
            );
        }
        assert_eq!(Projection::from_key("aitoff"), None);
        assert_eq!(Projection::HammerAitoff.name(), "Hammer-Aitoff");
        assert_eq!(Projection::Gnomonic.extent(), None);
        // the all-sky maps reach their extent at the seam / poles
        for p in [Projection::Mollweide, Projection::HammerAitoff] {
            let v = SkyView::new(p, 0.0, 0.0);
            let (w, h) = p.extent().unwrap();
            let (x, _) = v.project(180.000001, 0.0).unwrap();
            assert!((x.abs() - w).abs() < 1e-6, "{p:?} {x}");
            let (_, y) = v.project(10.0, 90.0).unwrap();
            assert!((y - h).abs() < 1e-12, "{p:?} {y}");
        }
    }

    #[test]
    fn separation_and_unit_vector() {
        assert!((separation(10.0, 20.0, 10.0, 20.0)).abs() < 1e-12);
        assert!((separation(0.0, 0.0, 180.0, 0.0) - 180.0).abs() < 1e-12);
        assert!((separation(0.0, 90.0, 123.0, 0.0) - 90.0).abs() < 1e-12);
        assert!((separation(359.9, 0.0, 0.1, 0.0) - 0.2).abs() < 1e-9);
        assert!((separation(0.0, 0.0, 1e-7, 0.0) - 1e-7).abs() < 1e-15);
        let v = unit_vector(90.0, 0.0);
        assert!(v[0].abs() < 1e-15 && (v[1] - 1.0).abs() < 1e-15 && v[2].abs() < 1e-15);
    }

    #[test]
    fn east_is_left_north_is_up() {
        for p in Projection::ALL {
            for (ra0, dec0) in [(0.0, 0.0), (150.0, 30.0), (45.0, -60.0)] {
                let v = SkyView::new(p, ra0, dec0);
                let (x0, y0) = v.project(ra0, dec0).unwrap();
                assert!(x0.abs() < 1e-12 && y0.abs() < 1e-12);
                let (xe, ye) = v.project(ra0 + 1.0, dec0).unwrap();
                assert!(xe < -0.005 && ye.abs() < 0.001, "{p:?} east {xe} {ye}");
                let (xn, yn) = v.project(ra0, dec0 + 1.0).unwrap();
                assert!(yn > 0.01 && xn.abs() < 1e-9, "{p:?} north {xn} {yn}");
            }
        }
    }

    /// Forward values and their inverse against wcslib (via astropy), and wcslib's inverse on a grid.
    #[test]
    fn matches_wcslib_reference() {
        for (p, csv) in REFERENCE {
            let (mut forward, mut inverse) = (0, 0);
            for (kind, r) in rows(csv) {
                let v = SkyView::new(p, r[0], r[1]);
                let valid = r[4] == 0.0;
                if kind == "f" {
                    let (ra, dec) = (r[2], r[3]);
                    let got = v.project(ra, dec);
                    let Some((x, y)) = got else {
                        // we may draw less than wcslib (gnomonic stops at 89°), never more
                        let dist = separation(r[0], r[1], ra, dec);
                        assert!(
                            !valid || (p == Projection::Gnomonic && dist >= GNOMONIC_LIMIT_DEG),
                            "{p:?} {r:?}"
                        );
                        continue;
                    };
                    if !valid {
                        // only a point exactly on the orthographic limb, which rounding puts on either side
                        let limb = p == Projection::Orthographic
                            && (separation(r[0], r[1], ra, dec) - 90.0).abs() < 1e-9;
                        assert!(
                            limb && (x.hypot(y) - 1.0).abs() < 1e-9,
                            "{p:?} drew what wcslib rejects: {r:?} -> {x} {y}"
                        );
                        continue;
                    }
                    let (wx, wy) = (-r[5] / DEG, r[6] / DEG);
                    // a point on the seam may land on either edge
                    let on_seam = p.all_sky() && (v.native(ra, dec).0.abs() - 180.0).abs() < 1e-6;
                    let dx = if on_seam {
                        (x.abs() - wx.abs()).abs()
                    } else {
                        (x - wx).abs()
                    };
                    assert!(
                        dx < 1e-9 && (y - wy).abs() < 1e-9,
                        "{p:?} {r:?}: ours {x} {y}, wcslib {wx} {wy}"
                    );
                    // inverse of the forward value returns the point (ra meaningless at the poles)
                    let (ra2, dec2) = v.unproject(x, y).unwrap();
                    assert!(
                        separation(ra, dec, ra2, dec2) < 1e-7,
                        "{p:?} {r:?} -> {ra2} {dec2}"
                    );
                    forward += 1;
                } else {
                    let (x, y) = (-r[2] / DEG, r[3] / DEG);
                    match v.unproject(x, y) {
                        None => assert!(!valid, "{p:?} {r:?} should unproject"),
                        Some((ra, dec)) => {
                            assert!(valid, "{p:?} {r:?} should be outside, got {ra} {dec}");
                            assert!((0.0..360.0).contains(&ra) && (-90.0..=90.0).contains(&dec));
                            assert!(
                                separation(ra, dec, r[5], r[6]) < 1e-8,
                                "{p:?} {r:?}: got {ra} {dec}"
                            );
                        }
                    }
                    inverse += 1;
                }
            }
            assert!(
                forward > 100 && inverse > 150,
                "{p:?}: {forward} forward, {inverse} inverse rows"
            );
        }
    }

    #[test]
    fn round_trips_many_centres() {
        let mut rng = Rng(7);
        let mut centres: Vec<(f64, f64)> = vec![
            (0.0, 0.0),
            (180.0, 0.0),
            (0.0, 90.0),
            (359.999, -90.0),
            (12.0, 89.9999),
        ];
        centres.extend((0..40).map(|_| rng.sky()));
        for p in Projection::ALL {
            for &(ra0, dec0) in &centres {
                let v = SkyView::new(p, ra0, dec0);
                let mut drawn = 0;
                for i in 0..200 {
                    let (ra, dec) = match i {
                        0 => (0.0, 90.0),
                        1 => (0.0, -90.0),
                        2 => (359.9999999, 10.0),
                        3 => (0.0000001, 10.0),
                        4 => (ra0 + 179.99, -dec0), // near the seam
                        _ => rng.sky(),
                    };
                    let Some((x, y)) = v.project(ra, dec) else {
                        let d = separation(ra0, dec0, ra, dec);
                        match p {
                            Projection::Gnomonic => assert!(d >= GNOMONIC_LIMIT_DEG - 1e-9),
                            Projection::Orthographic => assert!(d >= 90.0 - 1e-9),
                            _ => panic!("{p:?} must draw everything: {ra} {dec}"),
                        }
                        continue;
                    };
                    drawn += 1;
                    if let Some((w, h)) = p.extent() {
                        assert!(
                            (x / w).powi(2) + (y / h).powi(2) <= 1.0 + 1e-9,
                            "{p:?} {x} {y} outside"
                        );
                    }
                    let (ra2, dec2) = v.unproject(x, y).unwrap();
                    assert!((0.0..360.0).contains(&ra2) && (-90.0..=90.0).contains(&dec2));
                    assert!(
                        separation(ra, dec, ra2, dec2) < 1e-7,
                        "{p:?} ({ra0},{dec0}) {ra} {dec} -> {ra2} {dec2}"
                    );
                }
                assert!(drawn > 60, "{p:?} drew only {drawn}");
            }
        }
    }

    #[test]
    fn not_drawn_and_outside() {
        let g = SkyView::new(Projection::Gnomonic, 30.0, 10.0);
        assert!(g.project(30.0, 10.0 + 88.9).is_some());
        assert!(g.project(30.0, 10.0 - 89.1).is_none());
        assert!(g.project(210.0, -10.0).is_none());
        let o = SkyView::new(Projection::Orthographic, 30.0, 10.0);
        assert!(o.project(30.0, 10.0 - 89.9).is_some());
        assert!(o.project(30.0, 10.0 - 90.1).is_none());
        assert!(o.unproject(0.8, 0.6 + 1e-6).is_none());
        assert!(o.unproject(0.8, 0.6 - 1e-6).is_some());
        for p in [Projection::Mollweide, Projection::HammerAitoff] {
            let v = SkyView::new(p, 100.0, -40.0);
            assert!(v.unproject(2.0 * SQRT_2 + 1e-6, 0.0).is_none());
            assert!(v.unproject(0.0, SQRT_2 + 1e-6).is_none());
            assert!(v.unproject(2.0, 1.0 + 1e-6).is_none()); // (2/2√2)² + (1/√2)² = 1
            assert!(v.unproject(2.0, 1.0 - 1e-6).is_some());
            // the top of the ellipse is the native pole, 90° north of the centre along its meridian
            let (ra, dec) = v.unproject(0.0, SQRT_2).unwrap();
            assert!(separation(ra, dec, 100.0, 50.0) < 1e-9, "{p:?} {ra} {dec}");
        }
        let v = SkyView::new(Projection::Mollweide, 0.0, 0.0);
        assert_eq!(v.project(f64::NAN, 0.0), None);
        assert_eq!(v.unproject(f64::INFINITY, 0.0), None);
    }

    #[test]
    fn mollweide_aux_solves_its_equation() {
        for i in 0..=2000 {
            let th = (-90.0 + 0.09 * i as f64).to_radians();
            let (s, c) = mollweide_aux(th.sin(), th.cos());
            let g = s.atan2(c);
            let resid = 2.0 * g + (2.0 * g).sin() - PI * th.sin();
            assert!(resid.abs() < 1e-12, "θ {th}: residual {resid}");
            assert!((s * s + c * c - 1.0).abs() < 1e-12 && c >= 0.0);
        }
        // at 1e-6 rad from the pole, cos γ ∝ ε^(2/3) must still be resolved (not 0)
        let (_, c) = mollweide_aux(1.0, 1e-6);
        let w = 2.0 * c.asin();
        assert!(
            ((w_minus_sin_w(w) - PI * 1e-12 / 2.0) / (PI * 1e-12 / 2.0)).abs() < 1e-6,
            "{c}"
        );
    }

    #[test]
    fn polar_series_matches_solver() {
        for i in 0..=1000 {
            let z = 1.0 - 0.02 * i as f64 / 1000.0;
            for z in [z, -z] {
                let rho = (1.0 - z * z).sqrt();
                let ((s0, c0), (s1, c1)) = (mollweide_aux(z, rho), mollweide_polar(z, rho));
                assert!(
                    (s0 - s1).abs() < 1e-10 && (c0 - c1).abs() < 1e-10,
                    "{z}: {s0} {c0} vs {s1} {c1}"
                );
            }
        }
    }

    #[test]
    fn fast_atan2_accuracy() {
        let mut rng = Rng(3);
        for i in 0..100_000 {
            let (x, y) = if i < 8 {
                [
                    (1.0, 0.0),
                    (-1.0, 0.0),
                    (0.0, 1.0),
                    (0.0, -1.0),
                    (-1.0, 1e-300),
                    (-1.0, -0.0),
                    (-0.0, 2.0),
                    (1e-9, -1e-9),
                ][i]
            } else {
                (2.0 * rng.next_f64() - 1.0, 2.0 * rng.next_f64() - 1.0)
            };
            let got = fast_atan2(y, x);
            assert!(
                (got - y.atan2(x)).abs() < 1e-8,
                "{x} {y}: {got} vs {}",
                y.atan2(x)
            );
        }
    }

    /// Batch projection agrees with `project` for every projection, at poles, seams and limits.
    #[test]
    fn batch_matches_scalar() {
        let mut rng = Rng(11);
        let mut pts: Vec<(f64, f64)> = (0..20_000).map(|_| rng.sky()).collect();
        pts.extend([
            (0.0, 90.0),
            (0.0, -90.0),
            (37.0, 89.9),
            (200.0, -89.99),
            (0.0, 0.0),
            (180.0, 0.0),
            (359.99999, 45.0),
        ]);
        pts.extend((0..2000).map(|i| (0.18 * i as f64, 80.0 + 0.004 * i as f64))); // across the table limit
        let xyz: Vec<f32> = pts
            .iter()
            .flat_map(|&(ra, dec)| unit_vector(ra, dec).map(|c| c as f32))
            .collect();
        let (mut ox, mut oy) = (vec![1.0; 3], Vec::new());
        for p in Projection::ALL {
            for (ra0, dec0) in [
                (0.0, 0.0),
                (180.0, 0.0),
                (150.0, 30.0),
                (45.0, -60.0),
                (270.0, 89.0),
                (10.0, 90.0),
            ] {
                let v = SkyView::new(p, ra0, dec0);
                v.project_batch(&xyz, &mut ox, &mut oy);
                assert_eq!((ox.len(), oy.len()), (pts.len(), pts.len()));
                let mut drawn = 0;
                for (i, c) in xyz.chunks_exact(3).enumerate() {
                    // the exact projection of the same f32 vector
                    let (ra, dec) = radec_of([c[0] as f64, c[1] as f64, c[2] as f64]);
                    let (bx, by) = (ox[i] as f64, oy[i] as f64);
                    let seam = p.all_sky() && (v.native(ra, dec).0.abs() - 180.0).abs() < 1e-4;
                    match v.project(ra, dec) {
                        None => assert!(bx.is_nan() && by.is_nan(), "{p:?} {ra} {dec}: {bx} {by}"),
                        Some((x, y)) => {
                            let dx = if seam {
                                (x.abs() - bx.abs()).abs()
                            } else {
                                (x - bx).abs()
                            };
                            assert!(
                                dx < 1e-5 && (y - by).abs() < 1e-5,
                                "{p:?} ({ra0},{dec0}) {ra} {dec}: {x} {y} vs {bx} {by}"
                            );
                            drawn += 1;
                        }
                    }
                }
                assert!(drawn > 8_000, "{p:?} ({ra0},{dec0}) drew {drawn}");
            }
        }
        SkyView::new(Projection::Mollweide, 0.0, 0.0).project_batch(
            &[f32::NAN, 0.0, 1.0, 1.0],
            &mut ox,
            &mut oy,
        );
        assert_eq!(ox.len(), 1);
        assert!(ox[0].is_nan() && oy[0].is_nan());
    }

    /// `cargo test --release --lib sky::projection -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn bench_project_batch() {
        let mut rng = Rng(5);
        let xyz: Vec<f32> = (0..400_000)
            .flat_map(|_| {
                let (ra, dec) = rng.sky();
                unit_vector(ra, dec).map(|c| c as f32)
            })
            .collect();
        let (mut ox, mut oy) = (Vec::new(), Vec::new());
        for p in Projection::ALL {
            let v = SkyView::new(p, 150.0, 30.0);
            v.project_batch(&xyz, &mut ox, &mut oy); // warm up (builds the Mollweide table)
            // the best of several runs: the least disturbed by whatever else the machine does
            let ns = (0..15)
                .map(|_| {
                    let t = std::time::Instant::now();
                    v.project_batch(std::hint::black_box(&xyz), &mut ox, &mut oy);
                    t.elapsed().as_nanos() as f64 / 400_000.0
                })
                .fold(f64::INFINITY, f64::min);
            println!(
                "project_batch {:>20}: {ns:.2} ns/point (best of 15 runs over 400k points)",
                p.name()
            );
        }
    }
}
