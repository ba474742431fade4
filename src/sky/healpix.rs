//! HEALPix pixel indices in the RING scheme (Górski et al. 2005, ApJ 622, 759), for density maps.
//!
//! The sphere is cut into 12 nside² equal-area pixels on 4 nside − 1 rings of constant z = sin(dec).
//! RING numbering runs along each ring in φ (= RA) from the north pole southwards.
//! Polar caps (|z| > 2/3): ring i (1..=nside) from the pole holds 4i pixels.
//! Equatorial belt: 2 nside + 1 rings of 4 nside pixels each, alternately shifted by half a pixel.

use std::f64::consts::{FRAC_PI_2, TAU};

pub fn npix(nside: u32) -> u64 {
    12 * nside as u64 * nside as u64
}

/// RING-scheme pixel index of (ra, dec) in degrees (Górski et al. 2005; θ = 90° − dec, φ = ra).
pub fn ang2pix_ring(nside: u32, ra: f64, dec: f64) -> u64 {
    let (z, cos_d) = dec.to_radians().sin_cos();
    // 1 − |z| from cos dec: no cancellation next to the poles
    ring_index(nside, z, cos_d * cos_d / (1.0 + z.abs()), ra.to_radians())
}

/// Same from z = sin(dec) and φ in radians (fast path for rasterising each screen pixel).
pub fn ang2pix_ring_z_phi(nside: u32, z: f64, phi: f64) -> u64 {
    let z = z.clamp(-1.0, 1.0);
    ring_index(nside, z, 1.0 - z.abs(), phi)
}

pub fn pixel_area_sq_deg(nside: u32) -> f64 {
    4.0 * std::f64::consts::PI * (180.0 / std::f64::consts::PI).powi(2) / npix(nside) as f64
}

/// The pixel containing (z, φ), given also 1 − |z|. Never panics: nside 0 gives 0, NaN input some valid index.
fn ring_index(nside: u32, z: f64, one_minus_za: f64, phi: f64) -> u64 {
    if nside == 0 {
        return 0;
    }
    let n = nside as i64;
    let nf = nside as f64;
    let phi = phi.rem_euclid(TAU);
    let tt = if phi < TAU { phi / FRAC_PI_2 } else { 0.0 }; // φ in units of 90°, [0, 4)
    let pix = if z.abs() <= 2.0 / 3.0 {
        // Equatorial belt: the pixel's two edge lines through (z, φ) are counted by jp (ascending)
        // and jm (descending); their difference gives the ring, their sum the position along it.
        let t1 = nf * (0.5 + tt);
        let t2 = nf * z * 0.75;
        let jp = (t1 - t2).floor() as i64;
        let jm = (t1 + t2).floor() as i64;
        let ir = (n + 1 + jp - jm).clamp(1, 2 * n + 1); // ring within the belt, from its north edge
        let kshift = 1 - (ir & 1); // even rings are shifted by half a pixel
        let ip = (jp + jm - n + kshift + 1).div_euclid(2).rem_euclid(4 * n);
        2 * n * (n - 1) + (ir - 1) * 4 * n + ip
    } else {
        // Polar cap: distance from the pole in units that make the rings evenly spaced.
        let tp = tt - tt.floor();
        let tmp = nf * (3.0 * one_minus_za.max(0.0)).sqrt();
        let jp = (tp * tmp).floor() as i64;
        let jm = ((1.0 - tp) * tmp).floor() as i64;
        let ir = (jp + jm + 1).clamp(1, n); // ring counted from the nearest pole
        let ip = ((tt * ir as f64).floor() as i64).rem_euclid(4 * ir);
        if z > 0.0 {
            2 * ir * (ir - 1) + ip
        } else {
            12 * n * n - 2 * ir * (ir + 1) + ip
        }
    };
    pix as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// astropy_healpix (RING) values, see scripts/sky_reference.py.
    #[test]
    fn matches_astropy_healpix() {
        let (mut n, mut on_edges) = (0, 0);
        for line in include_str!("reference/healpix.csv")
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with('#'))
        {
            let v: Vec<&str> = line.split(',').collect();
            let nside: u32 = v[0].parse().unwrap();
            let (ra, dec): (f64, f64) = (v[1].parse().unwrap(), v[2].parse().unwrap());
            let want: u64 = v[3].parse().unwrap();
            // on a pixel edge (a few listed points) any pixel touching it is right
            let edge: Vec<u64> = v[4].split('|').map(|p| p.parse().unwrap()).collect();
            let got = ang2pix_ring(nside, ra, dec);
            if edge.len() == 1 {
                assert_eq!(got, want, "nside {nside} ({ra}, {dec})");
            } else {
                assert!(
                    edge.contains(&got),
                    "nside {nside} ({ra}, {dec}): {got} not in {edge:?}"
                );
                on_edges += 1;
            }
            let (z, phi) = (dec.to_radians().sin(), ra.to_radians());
            assert!(
                edge.contains(&ang2pix_ring_z_phi(nside, z, phi)),
                "z/phi nside {nside} ({ra}, {dec})"
            );
            n += 1;
        }
        assert!(n > 150 && on_edges * 3 < n, "{n} rows, {on_edges} on edges");
    }

    #[test]
    fn counts_and_areas() {
        assert_eq!(npix(1), 12);
        assert_eq!(npix(1024), 12_582_912);
        assert!((pixel_area_sq_deg(1) * 12.0 - 41_252.961_249).abs() < 1e-5);
        assert_eq!(ang2pix_ring(0, 10.0, 10.0), 0);
        assert!(ang2pix_ring(8, f64::NAN, f64::NAN) < npix(8));
    }

    /// Equal areas: a fine regular grid in (z, φ) — uniform on the sphere — fills each pixel equally.
    #[test]
    fn equal_area_and_ring_order() {
        for nside in [1u32, 2, 4, 8] {
            let mut hits = vec![0u32; npix(nside) as usize];
            let (nz, nphi) = (1200, 1200);
            let mut last = 0;
            for i in 0..nz {
                let z = 1.0 - 2.0 * (i as f64 + 0.5) / nz as f64; // north to south
                let mut ring_min = u64::MAX;
                for j in 0..nphi {
                    let p = ang2pix_ring_z_phi(nside, z, TAU * (j as f64 + 0.5) / nphi as f64);
                    hits[p as usize] += 1;
                    ring_min = ring_min.min(p);
                }
                assert!(ring_min >= last, "RING indices grow southwards");
                last = ring_min;
            }
            let mean = (nz * nphi) as f64 / npix(nside) as f64;
            for (p, &h) in hits.iter().enumerate() {
                assert!(
                    (h as f64 / mean - 1.0).abs() < 0.03,
                    "nside {nside} pixel {p}: {h} vs {mean}"
                );
            }
        }
    }
}
