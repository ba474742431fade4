#!/usr/bin/env python3
"""Reference values for the sky maths in src/sky/ (checked by `cargo test --lib sky::`).

    pip install astropy astropy-healpix
    python3 scripts/sky_reference.py

Writes small CSV tables to src/sky/reference/ (they are committed; the Rust tests need no Python):

projection_{mol,ait,tan,sin}.csv -- wcslib (through astropy.wcs) with CTYPE RA---XXX/DEC--XXX,
    CRVAL = (ra0, dec0), CDELT = (-1, 1) (east left), CRPIX = (0, 0), default LONPOLE/LATPOLE.
    Rows "f": ra0,dec0,ra,dec,stat,x,y -- forward (world -> intermediate world coordinates x, y
    in degrees, wcslib's sign: x grows to the east). stat 1 = wcslib rejects the point.
    Rows "i": ra0,dec0,x,y,stat,ra,dec -- inverse of a grid of intermediate coordinates.
    The Rust side uses R = 1 and x growing to the west (screen right):
    x_ours = -x_wcs * pi/180, y_ours = y_wcs * pi/180.
galactic.csv -- ra,dec (J2000) -> l,b by astropy from FK5(equinox J2000) and, for comparison,
    from ICRS. Our rotation uses the IAU J2000 constants (pole 192.85948, +27.12825; l(NCP)
    122.93192), which is how astropy defines Galactic relative to FK5 J2000, so FK5 is the
    frame to match (~1e-8 deg); ICRS differs by the ~20 mas frame bias.
healpix.csv -- nside,ra,dec,ipix from astropy_healpix.lonlat_to_healpix(order="ring"), and the
    pixels of points 1e-9 deg around it ("|"-separated): several on pixel edges, where either is right.
"""
import math
import os

import numpy as np
from astropy import units as u
from astropy.coordinates import FK5, ICRS, SkyCoord
from astropy.wcs import WCS
from astropy_healpix import HEALPix

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "sky", "reference")
CENTRES = [(0.0, 0.0), (180.0, 0.0), (150.0, 30.0), (45.0, -60.0), (270.0, 89.0)]


def r12(v):
    """12 significant digits: plenty, and keeps the files small. Inputs are rounded before use,
    so that every table is exact for the inputs it lists."""
    return float(f"{float(v):.12g}")


def num(v, invalid=False):
    return "nan" if invalid else repr(r12(v))


def wcs(code, ra0, dec0):
    w = WCS(naxis=2)
    w.wcs.ctype = [f"RA---{code}", f"DEC--{code}"]
    w.wcs.crval = [ra0, dec0]
    w.wcs.cdelt = [-1.0, 1.0]
    w.wcs.crpix = [0.0, 0.0]
    w.wcs.set()
    return w


def forward_points(ra0, dec0, rng):
    """Poles, the RA 0/360 wrap, the seam (the centre's antimeridian), near-limit and random points."""
    anti = (ra0 + 180.0) % 360.0
    pts = [(0.0, 90.0), (0.0, -90.0), (123.0, 90.0), (0.0, 0.0), (359.9999, 0.0), (0.0001, 0.0),
           (359.5, 20.0), (0.5, -20.0), (ra0, dec0), (ra0 + 1.0, dec0), (ra0, min(dec0 + 1.0, 90.0)),
           ((anti + 0.001) % 360.0, 0.0), ((anti - 0.001) % 360.0, 0.0), ((anti + 0.01) % 360.0, 45.0),
           ((anti - 0.01) % 360.0, -45.0), (anti, -dec0 + 0.5),
           # around 85-95 degrees from the centre (the gnomonic/orthographic limits)
           (ra0, dec0 - 85.0 if dec0 > 0 else dec0 + 85.0), ((ra0 + 89.5) % 360.0, 0.0), ((ra0 + 90.5) % 360.0, 0.0)]
    for _ in range(32):
        pts.append((360.0 * rng.random(), math.degrees(math.asin(2.0 * rng.random() - 1.0))))
    return [(r12(ra % 360.0), r12(max(-90.0, min(90.0, dec)))) for ra, dec in pts]


def projections(rng):
    for code in ["MOL", "AIT", "TAN", "SIN"]:
        rows = ["kind,ra0,dec0,a,b,stat,c,d"]
        for ra0, dec0 in CENTRES:
            w = wcs(code, ra0, dec0)
            world = np.array(forward_points(ra0, dec0, rng))
            res = w.wcs.s2p(world, 1)
            pix, img, stat = res["pixcrd"], res["imgcrd"], res["stat"]
            # with CDELT1 = -1 and CRPIX = 0, the pixel offset is east-left: check our sign convention
            assert np.allclose(pix[stat == 0, 0], -img[stat == 0, 0], atol=1e-9)
            for (ra, dec), (x, y), s in zip(world, img, stat):
                s = int(s != 0)
                rows.append(",".join(["f", num(ra0), num(dec0), num(ra), num(dec), str(s), num(x, s), num(y, s)]))
        for ra0, dec0 in CENTRES[:3]:
            w = wcs(code, ra0, dec0)
            half = 170.0 if code in ("MOL", "AIT") else (75.0 if code == "SIN" else 120.0)
            grid = np.array([(r12(x), r12(y)) for x in np.linspace(-half, half, 9) for y in np.linspace(-88.0, 88.0, 7)])
            res = w.wcs.p2s(grid * [-1.0, 1.0], 1)  # pixel offsets = (-x_wcs, y_wcs)
            for (x, y), (ra, dec), s in zip(grid, res["world"], res["stat"]):
                s = int(s != 0)
                rows.append(",".join(["i", num(ra0), num(dec0), num(x), num(y), str(s), num(ra, s), num(dec, s)]))
        with open(os.path.join(OUT, f"projection_{code.lower()}.csv"), "w") as f:
            f.write("\n".join(rows) + "\n")


def galactic(rng):
    pts = [(0.0, 0.0), (0.0, 90.0), (0.0, -90.0), (192.85948, 27.12825), (266.40499, -28.93617),
           (359.9999, 10.0), (0.0001, -10.0), (83.63308, 22.0145), (10.6847, 41.26875), (187.70593, 12.39112)]
    pts += [(360.0 * rng.random(), math.degrees(math.asin(2.0 * rng.random() - 1.0))) for _ in range(14)]
    pts = [(r12(a), r12(b)) for a, b in pts]
    ra, dec = np.array(pts).T
    fk5 = SkyCoord(ra * u.deg, dec * u.deg, frame=FK5(equinox="J2000")).galactic
    icrs = SkyCoord(ra * u.deg, dec * u.deg, frame=ICRS()).galactic
    rows = ["ra,dec,l_fk5,b_fk5,l_icrs,b_icrs"]
    for i in range(len(pts)):
        rows.append(",".join(num(v) for v in (ra[i], dec[i], fk5.l.deg[i], fk5.b.deg[i], icrs.l.deg[i], icrs.b.deg[i])))
    with open(os.path.join(OUT, "galactic.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")


def healpix(rng):
    rows = ["nside,ra,dec,ipix,pixels_within_1e-9_deg"]
    special = [(0.0, 90.0), (0.0, -90.0), (0.0, 0.0), (359.9999, 0.0), (45.0, 41.8103148957786),
               (45.0, -41.8103148957786), (10.0, 41.9), (10.0, 41.7), (200.0, -41.9), (90.0, 89.99), (270.0, -89.99)]
    for nside in [1, 2, 4, 16, 64, 1024, 8192]:
        hp = HEALPix(nside=nside, order="ring")
        pts = special + [(360.0 * rng.random(), math.degrees(math.asin(2.0 * rng.random() - 1.0))) for _ in range(25)]
        pts = [(r12(a), r12(b)) for a, b in pts]
        ra, dec = np.array(pts).T
        ipix = hp.lonlat_to_healpix(ra * u.deg, dec * u.deg)
        # a point on a pixel edge or corner belongs to whichever pixel an implementation's rounding
        # picks: list the pixels of points 1e-9 deg around it (usually just one)
        eps = 1e-9
        near = [hp.lonlat_to_healpix((ra + dr) * u.deg, np.clip(dec + dd, -90, 90) * u.deg)
                for dr, dd in [(eps, 0), (-eps, 0), (0, eps), (0, -eps), (eps, eps), (-eps, -eps), (eps, -eps), (-eps, eps)]]
        for k, ((r, d), p) in enumerate(zip(pts, ipix)):
            alts = sorted({int(p)} | {int(n[k]) for n in near})
            rows.append(f"{nside},{num(r)},{num(d)},{int(p)},{'|'.join(map(str, alts))}")
    with open(os.path.join(OUT, "healpix.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    import random

    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20240601)
    projections(rng)
    galactic(rng)
    healpix(rng)
    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")
