//! Lines drawn over the sky map: graticule, galactic plane, ecliptic, the map outline,
//! and their projection into polylines that never jump across an all-sky map's seam.

use super::projection::{Projection, SkyView, radec_of, unit_vector};
use std::f64::consts::SQRT_2;
use std::sync::OnceLock;

/// Spacing (degrees) of the points sampled along the map's outline, and the finest along
/// the other lines.
pub const SAMPLE_DEG: f64 = 0.5;
/// Graticule steps below this (degrees) are raised to it, so a bad input cannot allocate without bound.
const MIN_STEP_DEG: f64 = 0.1;

/// IAU (1958) galactic pole and the galactic longitude of the north celestial pole, J2000.
const NGP_RA: f64 = 192.85948;
const NGP_DEC: f64 = 27.12825;
const L_NCP: f64 = 122.93192;
/// Mean obliquity of the ecliptic at J2000.
const OBLIQUITY_DEG: f64 = 23.439_291_1;

/// `n` + 1 evenly spaced values from `a` to `b` inclusive, n = ceil(|b − a| / step)
/// (`step` at least [`SAMPLE_DEG`] / 10).
fn samples(a: f64, b: f64, step: f64) -> impl Iterator<Item = f64> {
    let step = if step.is_nan() {
        SAMPLE_DEG
    } else {
        step.max(SAMPLE_DEG / 10.0)
    };
    let n = ((b - a).abs() / step).ceil().max(1.0) as usize;
    (0..=n).map(move |i| a + (b - a) * i as f64 / n as f64)
}

/// Multiples of `step` in (−limit, limit) (symmetric about 0, so 0 is included); empty for a bad step.
fn symmetric_steps(step: f64, limit: f64) -> Vec<f64> {
    if step.is_nan() || step <= 0.0 || step.is_infinite() {
        return Vec::new();
    }
    let step = step.max(MIN_STEP_DEG);
    let k = ((limit - 1e-9) / step).floor() as i64;
    (-k..=k).map(|i| i as f64 * step).collect()
}

/// Multiples of `step` in [0, 360).
fn ra_steps(step: f64) -> Vec<f64> {
    if step.is_nan() || step <= 0.0 || step.is_infinite() {
        return Vec::new();
    }
    let step = step.max(MIN_STEP_DEG);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|&ra| ra < 360.0 - 1e-9)
        .collect()
}

/// Great/small circles sampled as (ra, dec) polylines every `sample` degrees: meridians
/// (dec −90..90) every `ra_step` from RA 0, then parallels (closed, RA 0..360) every
/// `dec_step` from the equator, poles excluded.
pub fn graticule(ra_step: f64, dec_step: f64, sample: f64) -> Vec<Vec<(f64, f64)>> {
    let meridians = ra_steps(ra_step)
        .into_iter()
        .map(|ra| samples(-90.0, 90.0, sample).map(|dec| (ra, dec)).collect());
    let parallels = symmetric_steps(dec_step, 90.0)
        .into_iter()
        .map(|dec| samples(0.0, 360.0, sample).map(|ra| (ra, dec)).collect());
    meridians.chain(parallels).collect()
}

/// Rows of the equatorial → galactic rotation (galactic x, y, z axes in equatorial coordinates),
/// built from the pole and l(NCP): the NCP lies at galactic longitude L_NCP.
fn galactic_matrix() -> &'static [[f64; 3]; 3] {
    static M: OnceLock<[[f64; 3]; 3]> = OnceLock::new();
    M.get_or_init(|| {
        let ez = unit_vector(NGP_RA, NGP_DEC);
        // u: the NCP's direction projected onto the galactic plane (longitude L_NCP); w: longitude L_NCP + 90°
        let u = normalize([-ez[2] * ez[0], -ez[2] * ez[1], 1.0 - ez[2] * ez[2]]);
        let w = [
            ez[1] * u[2] - ez[2] * u[1],
            ez[2] * u[0] - ez[0] * u[2],
            ez[0] * u[1] - ez[1] * u[0],
        ];
        let (s, c) = L_NCP.to_radians().sin_cos();
        let ex = [0, 1, 2].map(|i| c * u[i] - s * w[i]);
        let ey = [0, 1, 2].map(|i| s * u[i] + c * w[i]);
        [ex, ey, ez]
    })
}

fn normalize(v: [f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    v.map(|c| c / n)
}

/// Galactic (l, b) in degrees of an equatorial J2000 position (l in [0, 360)).
pub fn equatorial_to_galactic(ra: f64, dec: f64) -> (f64, f64) {
    let (m, v) = (galactic_matrix(), unit_vector(ra, dec));
    radec_of(m.map(|row| row[0] * v[0] + row[1] * v[1] + row[2] * v[2]))
}

/// Equatorial J2000 (ra, dec) in degrees of a galactic position (ra in [0, 360)).
pub fn galactic_to_equatorial(l: f64, b: f64) -> (f64, f64) {
    let (m, g) = (galactic_matrix(), unit_vector(l, b));
    radec_of([0, 1, 2].map(|i| m[0][i] * g[0] + m[1][i] * g[1] + m[2][i] * g[2]))
}

/// The galactic plane b = 0 as a closed loop (last point = first), l from 0 to 360, a
/// point every `sample` degrees.
pub fn galactic_plane(sample: f64) -> Vec<(f64, f64)> {
    samples(0.0, 360.0, sample)
        .map(|l| galactic_to_equatorial(l, 0.0))
        .collect()
}

/// The J2000 ecliptic as a closed loop, ecliptic longitude 0 to 360, a point every
/// `sample` degrees.
pub fn ecliptic(sample: f64) -> Vec<(f64, f64)> {
    let (se, ce) = OBLIQUITY_DEG.to_radians().sin_cos();
    samples(0.0, 360.0, sample)
        .map(|lam| {
            let (sl, cl) = lam.to_radians().sin_cos();
            radec_of([cl, ce * sl, se * sl])
        })
        .collect()
}

/// Project a polyline, splitting it where a point is not drawn or where consecutive projected points jump
/// across the map's seam: on all-sky maps, where the native longitude jumps by more than 180° or
/// x by more than a quarter of the map's width. Pieces with fewer than two points are dropped.
pub fn project_polyline(view: &SkyView, line: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let all_sky = view.projection.all_sky();
    let max_dx = view
        .projection
        .extent()
        .map_or(f64::INFINITY, |(w, _)| w / 2.0); // width = 2w
    let mut pieces = Vec::new();
    let mut piece: Vec<(f64, f64)> = Vec::new();
    let mut last_phi = 0.0;
    let mut flush = |piece: &mut Vec<(f64, f64)>| {
        if piece.len() >= 2 {
            pieces.push(std::mem::take(piece));
        }
        piece.clear();
    };
    // one rotation for the whole line (building it costs trigonometry), and the points
    // projected by the batch path (f32: far below a pixel; the exact Mollweide solve per
    // point made a zoomed graticule cost tens of milliseconds a frame in wasm)
    let rotation = view.rotation();
    let units: Vec<[f64; 3]> = line.iter().map(|&(ra, dec)| unit_vector(ra, dec)).collect();
    let xyz: Vec<f32> = units.iter().flat_map(|u| u.map(|v| v as f32)).collect();
    let (mut xs, mut ys) = (
        Vec::with_capacity(line.len()),
        Vec::with_capacity(line.len()),
    );
    view.project_batch(&xyz, &mut xs, &mut ys);
    for (k, unit) in units.iter().enumerate() {
        let (x, y) = (f64::from(xs[k]), f64::from(ys[k]));
        if !(x.is_finite() && y.is_finite()) {
            flush(&mut piece);
            continue;
        }
        let p = (x, y);
        let n = rotation.apply(*unit);
        let phi = n[1].atan2(n[0]).to_degrees();
        if let Some(&(x0, _)) = piece.last()
            && all_sky
            && ((phi - last_phi).abs() > 180.0 || (p.0 - x0).abs() > max_dx)
        {
            flush(&mut piece);
        }
        piece.push(p);
        last_phi = phi;
    }
    flush(&mut piece);
    pieces
}

/// RA as hours ("12h", or "12h30m" off the hour).
fn ra_label(ra: f64) -> String {
    let minutes = (ra.rem_euclid(360.0) * 4.0).round() as i64 % (24 * 60);
    match minutes % 60 {
        0 => format!("{}h", minutes / 60),
        m => format!("{}h{m:02}m", minutes / 60),
    }
}

/// Declination with its sign ("+30°", "−30°" with a true minus, "0°"); up to two decimals when needed.
fn dec_label(dec: f64) -> String {
    let hundredths = (dec.abs() * 100.0).round() as i64;
    let body = if hundredths % 100 == 0 {
        format!("{}", hundredths / 100)
    } else {
        format!("{:.2}", hundredths as f64 / 100.0)
            .trim_end_matches('0')
            .to_string()
    };
    match dec {
        _ if hundredths == 0 => "0°".to_string(),
        d if d > 0.0 => format!("+{body}°"),
        _ => format!("−{body}°"),
    }
}

/// Label anchors for the graticule: (x, y, text) in projection units. RA labels like "12h" sit on the
/// equator in all-sky views, and on the graticule parallel nearest the centre in the others
/// (the equator may be far off-screen there); Dec labels like "+30°"/"−30°" along the central meridian.
/// Anchors that are not drawn are left out.
pub fn graticule_labels(view: &SkyView, ra_step: f64, dec_step: f64) -> Vec<(f64, f64, String)> {
    let parallels = symmetric_steps(dec_step, 90.0);
    let label_dec = if view.projection.all_sky() {
        0.0
    } else {
        parallels
            .iter()
            .copied()
            .min_by(|a, b| (a - view.dec0).abs().total_cmp(&(b - view.dec0).abs()))
            .unwrap_or(0.0)
    };
    let ra_labels = ra_steps(ra_step).into_iter().filter_map(|ra| {
        view.project(ra, label_dec)
            .map(|(x, y)| (x, y, ra_label(ra)))
    });
    let dec_labels = parallels.iter().filter_map(|&dec| {
        view.project(view.ra0, dec)
            .map(|(x, y)| (x, y, dec_label(dec)))
    });
    ra_labels.chain(dec_labels).collect()
}

/// The outline of an all-sky projection (ellipse) or orthographic disc, as a closed polygon
/// (last point = first) in projection units; empty for gnomonic.
pub fn boundary(projection: Projection) -> Vec<(f64, f64)> {
    let (a, b) = match projection {
        Projection::Mollweide | Projection::HammerAitoff => (2.0 * SQRT_2, SQRT_2),
        Projection::Orthographic => (1.0, 1.0),
        Projection::Gnomonic => return Vec::new(),
    };
    samples(0.0, 360.0, SAMPLE_DEG)
        .map(|t| (a * t.to_radians().cos(), b * t.to_radians().sin()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::projection::separation;

    #[test]
    fn graticule_lines() {
        let g = graticule(30.0, 30.0, SAMPLE_DEG);
        assert_eq!(g.len(), 12 + 5); // meridians 0..330, parallels −60..60
        for line in &g {
            for w in line.windows(2) {
                assert!(separation(w[0].0, w[0].1, w[1].0, w[1].1) <= 1.0 + 1e-9);
            }
        }
        let m = &g[1];
        assert_eq!((m[0], *m.last().unwrap()), ((30.0, -90.0), (30.0, 90.0)));
        let p = g.iter().find(|l| l[0].1 == 0.0 && l[1].1 == 0.0).unwrap();
        assert_eq!((p[0].0, p.last().unwrap().0), (0.0, 360.0));
        assert!(graticule(0.0, f64::NAN, SAMPLE_DEG).is_empty());
        assert_eq!(graticule(15.0, 0.0, SAMPLE_DEG).len(), 24);
        assert_eq!(graticule(1e-12, -1.0, SAMPLE_DEG).len(), 3600); // clamped to 0.1°
    }

    /// Reference values from astropy (FK5 J2000 → Galactic), see scripts/sky_reference.py.
    #[test]
    fn galactic_matches_astropy() {
        let (mut n, mut worst) = (0, 0.0f64);
        for line in include_str!("reference/galactic.csv")
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with('#'))
        {
            let v: Vec<f64> = line.split(',').map(|s| s.trim().parse().unwrap()).collect();
            let (ra, dec, l_fk5, b_fk5, l_icrs, b_icrs) = (v[0], v[1], v[2], v[3], v[4], v[5]);
            let (l, b) = equatorial_to_galactic(ra, dec);
            // astropy's pole and l(NCP) carry more digits than the IAU values: they differ by ≤ 1.4e-6°
            let d = separation(l, b, l_fk5, b_fk5);
            assert!(d < 4e-6, "{ra} {dec}: {l} {b} vs FK5 {l_fk5} {b_fk5}: {d}");
            // ICRS differs from FK5 J2000 by the ~20 mas frame bias
            assert!(separation(l, b, l_icrs, b_icrs) < 3e-5);
            worst = worst.max(d);
            let (ra2, dec2) = galactic_to_equatorial(l, b);
            assert!(separation(ra, dec, ra2, dec2) < 1e-10);
            n += 1;
        }
        assert!(n >= 20);
        println!(
            "worst difference from astropy FK5 → Galactic: {:.2} mas",
            worst * 3.6e6
        );
        // the defining constants themselves
        let (_, b) = equatorial_to_galactic(NGP_RA, NGP_DEC);
        assert!((b - 90.0).abs() < 1e-9);
        let (l, b) = equatorial_to_galactic(0.0, 90.0);
        assert!((l - L_NCP).abs() < 1e-9 && (b - NGP_DEC).abs() < 1e-9);
    }

    #[test]
    fn coarser_lines_stay_within_a_fraction_of_a_pixel_of_the_fine_ones() {
        // the all-sky map at zoom 1: 4√2 projection units across ~650 CSS pixels (~115 px a
        // unit; ~220 on a 1,250-pixel canvas): 2° samples must stay within 0.0025 units
        // (0.3 px; 0.55 px) of 0.5° ones
        let view = SkyView::new(Projection::Mollweide, 100.0, 0.0);
        let mut lines = graticule(30.0, 30.0, 2.0);
        lines.push(galactic_plane(2.0));
        lines.push(ecliptic(2.0));
        let mut fine = graticule(30.0, 30.0, SAMPLE_DEG);
        fine.push(galactic_plane(SAMPLE_DEG));
        fine.push(ecliptic(SAMPLE_DEG));
        assert_eq!(lines.len(), fine.len());
        let mut worst = 0.0f64;
        for (c, f) in lines.iter().zip(&fine) {
            // four times fewer points: every 4th fine sample is a coarse one
            assert_eq!(4 * (c.len() - 1), f.len() - 1);
            for (k, p) in f.iter().enumerate() {
                let (a, b) = (c[k / 4], c[(k / 4 + 1).min(c.len() - 1)]);
                let (Some(p), Some(a), Some(b)) = (
                    view.project(p.0, p.1),
                    view.project(a.0, a.1),
                    view.project(b.0, b.1),
                ) else {
                    continue;
                };
                // a segment across the seam is never drawn
                if (a.0 - b.0).abs() > 1.0 {
                    continue;
                }
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / (dx * dx + dy * dy).max(1e-30))
                    .clamp(0.0, 1.0);
                let d = ((a.0 + t * dx - p.0).powi(2) + (a.1 + t * dy - p.1).powi(2)).sqrt();
                worst = worst.max(d);
            }
        }
        assert!(worst < 0.0025, "worst deviation {worst} projection units");
        println!("2° lines: worst deviation from 0.5° ones {worst:.5} projection units");
    }

    #[test]
    fn plane_and_ecliptic() {
        let gp = galactic_plane(SAMPLE_DEG);
        assert!(gp.len() >= 720);
        assert!(separation(gp[0].0, gp[0].1, gp.last().unwrap().0, gp.last().unwrap().1) < 1e-9);
        for &(ra, dec) in &gp {
            assert!(equatorial_to_galactic(ra, dec).1.abs() < 1e-9);
            assert!((separation(ra, dec, NGP_RA, NGP_DEC) - 90.0).abs() < 1e-9);
        }
        // the galactic centre, l = 0: RA 266.40, Dec −28.94 (J2000)
        assert!(separation(gp[0].0, gp[0].1, 266.40499, -28.93617) < 1e-3);
        let ec = ecliptic(SAMPLE_DEG);
        let max_dec = ec.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        assert!((max_dec - OBLIQUITY_DEG).abs() < 1e-3, "{max_dec}");
        let summer = ec[180]; // λ = 90° → RA 6h, Dec +ε
        assert!((summer.0 - 90.0).abs() < 1e-9 && (summer.1 - OBLIQUITY_DEG).abs() < 1e-9);
        for &(ra, dec) in &ec {
            assert!((separation(ra, dec, 270.0, 90.0 - OBLIQUITY_DEG) - 90.0).abs() < 1e-9); // ecliptic pole
        }
    }

    #[test]
    fn polylines_split_at_seam_and_limits() {
        let v = SkyView::new(Projection::Mollweide, 0.0, 0.0);
        // the equator crosses the seam at RA 180 once: two pieces, none jumping
        let equator: Vec<(f64, f64)> = samples(0.0, 360.0, SAMPLE_DEG)
            .map(|ra| (ra, 0.0))
            .collect();
        let pieces = project_polyline(&v, &equator);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces.iter().map(Vec::len).sum::<usize>(), equator.len());
        for piece in &pieces {
            for w in piece.windows(2) {
                assert!((w[1].0 - w[0].0).abs() < 0.1);
            }
        }
        // a parallel near the pole crosses the seam where x barely jumps: still split
        let near_pole: Vec<(f64, f64)> = samples(170.0, 190.0, SAMPLE_DEG)
            .map(|ra| (ra, 89.5))
            .collect();
        assert_eq!(project_polyline(&v, &near_pole).len(), 2);
        // a meridian far from the seam stays whole
        let meridian: Vec<(f64, f64)> = samples(-90.0, 90.0, SAMPLE_DEG)
            .map(|d| (40.0, d))
            .collect();
        assert_eq!(project_polyline(&v, &meridian).len(), 1);
        // gnomonic: the part beyond 89° is cut out, leaving the near half of the equator
        let g = SkyView::new(Projection::Gnomonic, 0.0, 0.0);
        let pieces = project_polyline(&g, &equator);
        assert_eq!(pieces.len(), 2); // RA 0..88.5 and 271.5..360
        assert!(
            pieces
                .iter()
                .flatten()
                .all(|p| p.0.abs() < 60.0 && p.1.abs() < 1e-12)
        );
        assert!(project_polyline(&v, &[(1.0, 1.0)]).is_empty());
    }

    #[test]
    fn labels() {
        assert_eq!(
            (ra_label(180.0), ra_label(7.5), ra_label(359.999999)),
            ("12h".into(), "0h30m".into(), "0h".into())
        );
        assert_eq!(
            (
                dec_label(30.0),
                dec_label(-30.0),
                dec_label(0.0),
                dec_label(7.5)
            ),
            ("+30°".into(), "−30°".into(), "0°".into(), "+7.5°".into())
        );
        let v = SkyView::new(Projection::Mollweide, 0.0, 0.0);
        let ls = graticule_labels(&v, 30.0, 30.0);
        assert_eq!(ls.len(), 12 + 5);
        let twelve = ls.iter().find(|l| l.2 == "2h").unwrap(); // RA 30°: east of centre, so left, on the equator
        assert!(twelve.0 < 0.0 && twelve.1 == 0.0);
        let plus60 = ls.iter().find(|l| l.2 == "+60°").unwrap();
        assert!(plus60.0.abs() < 1e-12 && plus60.1 > 0.5);
        // zoomed view at Dec +45: RA labels along Dec +45 (nearest parallel with 15° steps), not the equator
        let g = SkyView::new(Projection::Gnomonic, 100.0, 47.0);
        let ls = graticule_labels(&g, 15.0, 15.0);
        let ra_lab = ls.iter().find(|l| l.2 == "7h").unwrap();
        let (ra, dec) = g.unproject(ra_lab.0, ra_lab.1).unwrap();
        assert!(
            (dec - 45.0).abs() < 1e-9 && (ra - 105.0).abs() < 1e-9,
            "{ra} {dec}"
        );
        assert!(ls.iter().all(|l| l.2 != "−60°")); // 107° from the centre: not drawn
    }

    #[test]
    fn outlines() {
        assert!(boundary(Projection::Gnomonic).is_empty());
        for p in [
            Projection::Mollweide,
            Projection::HammerAitoff,
            Projection::Orthographic,
        ] {
            let b = boundary(p);
            let (w, h) = p.extent().unwrap();
            assert!(b.len() > 100 && b[0] == (w, 0.0));
            assert!((b.last().unwrap().0 - w).abs() < 1e-12 && b.last().unwrap().1.abs() < 1e-12);
            assert!(
                b.iter()
                    .all(|&(x, y)| ((x / w).powi(2) + (y / h).powi(2) - 1.0).abs() < 1e-12)
            );
            // the all-sky ellipse is where projected points end
            let v = SkyView::new(p, 0.0, 0.0);
            assert!(v.unproject(b[10].0 * 0.999, b[10].1 * 0.999).is_some());
            assert!(v.unproject(b[10].0 * 1.001, b[10].1 * 1.001).is_none());
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    #[test]
    #[ignore]
    fn overlay_costs() {
        let v = SkyView::new(Projection::Mollweide, 123.0, 0.0);
        let t = std::time::Instant::now();
        let g = graticule(15.0, 10.0, SAMPLE_DEG);
        let n: usize = g.iter().map(|l| l.len()).sum();
        eprintln!("graticule {n} points {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let p: usize = g.iter().map(|l| project_polyline(&v, l).len()).sum();
        eprintln!("project {p} pieces {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let l = graticule_labels(&v, 15.0, 10.0);
        eprintln!("labels {} {:?}", l.len(), t.elapsed());
        let t = std::time::Instant::now();
        let _ = project_polyline(&v, &galactic_plane(SAMPLE_DEG));
        let _ = project_polyline(&v, &ecliptic(SAMPLE_DEG));
        eprintln!("planes {:?}", t.elapsed());
    }
}
