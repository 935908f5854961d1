//! What a camera's JPEG says about itself: when the picture was taken, where,
//! and which way up. The phone reads this from the original file before it
//! re-encodes the photo (which drops the EXIF) and keeps it in the photo's
//! [`PhotoRef`](super::PhotoRef).
//!
//! A reader of just these few tags, for bytes nobody vouches for: every
//! length and offset is checked, nothing panics, and whatever is missing,
//! broken or cut off is simply `None`. The walk has a fixed shape (IFD0, then
//! the Exif and GPS IFDs it points to, nothing further; next-IFD links are
//! never followed), so no chain of offsets can lead it round in a loop, and a
//! sub-IFD pointer back to IFD0 is refused outright.

use chrono::{NaiveDate, NaiveDateTime};

/// The phone reads only this much of the head of the file for its EXIF. The
/// APP1 segment that holds it comes at the start and cannot exceed 64 KiB;
/// [`read`] copes with a file cut anywhere and returns what it could read.
pub const HEAD_BYTES: usize = 128 * 1024;

/// What a photo's EXIF says, each fact `None` when absent or not believable.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ExifFacts {
    /// When the picture was taken, in the camera's local time (EXIF gives no
    /// zone): DateTimeOriginal, else DateTimeDigitized, else IFD0's DateTime.
    pub taken_at: Option<NaiveDateTime>,
    /// Where it was taken, WGS-84 decimal degrees, south and west negative.
    /// Both or neither: a latitude alone is no place. A position of exactly
    /// (0, 0) is what phones without a fix write, and is taken as none.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The EXIF orientation, 1 to 8 (1: as stored; 6: turn 90° clockwise to
    /// view upright).
    pub orientation: Option<u16>,
}

/// The EXIF facts of a JPEG file, or of as much of its head as there is.
/// Anything that is not a JPEG with an EXIF APP1 segment gives no facts.
pub fn read(bytes: &[u8]) -> ExifFacts {
    exif_payload(bytes)
        .and_then(Tiff::new)
        .map(|(tiff, ifd0)| tiff.facts(ifd0))
        .unwrap_or_default()
}

const TAG_ORIENTATION: u16 = 0x0112;
const TAG_DATE_TIME: u16 = 0x0132;
const TAG_EXIF_IFD: u16 = 0x8769;
const TAG_GPS_IFD: u16 = 0x8825;
const TAG_DATE_TIME_ORIGINAL: u16 = 0x9003;
const TAG_DATE_TIME_DIGITIZED: u16 = 0x9004;
const TAG_GPS_LATITUDE_REF: u16 = 0x0001;
const TAG_GPS_LATITUDE: u16 = 0x0002;
const TAG_GPS_LONGITUDE_REF: u16 = 0x0003;
const TAG_GPS_LONGITUDE: u16 = 0x0004;

/// TIFF field types used here.
const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const IFD: u16 = 13;

/// The bytes of one value of a TIFF field type.
fn type_size(kind: u16) -> Option<usize> {
    match kind {
        1 | 2 | 6 | 7 => Some(1),   // BYTE, ASCII, SBYTE, UNDEFINED
        3 | 8 => Some(2),           // SHORT, SSHORT
        4 | 9 | 11 | 13 => Some(4), // LONG, SLONG, FLOAT, IFD
        5 | 10 | 12 => Some(8),     // RATIONAL, SRATIONAL, DOUBLE
        _ => None,
    }
}

/// The TIFF structure inside the first `Exif\0\0` APP1 segment, clipped to
/// the bytes there are if the file is cut short. The segments are walked by
/// their lengths from SOI up to the image data (SOS), never searched for.
fn exif_payload(bytes: &[u8]) -> Option<&[u8]> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2;
    loop {
        // A marker: 0xFF, perhaps more 0xFF as fill, then its code.
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        while *bytes.get(pos)? == 0xFF {
            pos += 1;
        }
        let marker = bytes[pos];
        pos += 1;
        match marker {
            // End of image, start of scan: no EXIF before the image data.
            0xD9 | 0xDA => return None,
            // Markers that stand alone, without a length.
            0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(pos)?, *bytes.get(pos + 1)?]));
        if len < 2 {
            return None;
        }
        // `pos` is within `bytes` and `len` below 64 Ki: no overflow.
        let end = pos + len;
        let body = bytes.get(pos + 2..end.min(bytes.len()))?;
        if marker == 0xE1 {
            if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                return Some(tiff);
            }
        }
        pos = end;
    }
}

/// A TIFF structure (the EXIF's body): offsets count from its first byte.
#[derive(Clone, Copy)]
struct Tiff<'a> {
    data: &'a [u8],
    big_endian: bool,
}

/// One IFD entry; `field` is where its 4-byte value-or-offset is.
#[derive(Clone, Copy)]
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    field: usize,
}

impl<'a> Tiff<'a> {
    /// The structure and IFD0's offset, if the header is sound.
    fn new(data: &'a [u8]) -> Option<(Self, usize)> {
        let big_endian = match data.get(..2)? {
            b"II" => false,
            b"MM" => true,
            _ => return None,
        };
        let tiff = Tiff { data, big_endian };
        if tiff.u16_in(data, 2)? != 42 {
            return None;
        }
        Some((tiff, tiff.offset(4)?))
    }

    fn bytes(&self, at: usize, len: usize) -> Option<&'a [u8]> {
        self.data.get(at..at.checked_add(len)?)
    }

    fn u16_in(&self, bytes: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_in(&self, bytes: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// The offset stored at `at`, if it lies within the structure.
    fn offset(&self, at: usize) -> Option<usize> {
        let offset = usize::try_from(self.u32_in(self.data, at)?).ok()?;
        (offset < self.data.len()).then_some(offset)
    }

    /// The entries of the IFD at `ifd`, as many as there are bytes for.
    fn entries(self, ifd: usize) -> impl Iterator<Item = Entry> + 'a {
        let count = self.u16_in(self.data, ifd).unwrap_or(0);
        (0..usize::from(count)).map_while(move |i| {
            let at = ifd.checked_add(2 + 12 * i)?;
            self.bytes(at, 12)?;
            Some(Entry {
                tag: self.u16_in(self.data, at)?,
                kind: self.u16_in(self.data, at + 2)?,
                count: self.u32_in(self.data, at + 4)?,
                field: at + 8,
            })
        })
    }

    /// The first entry for `tag` in the IFD at `ifd`.
    fn find(self, ifd: usize, tag: u16) -> Option<Entry> {
        self.entries(ifd).find(|e| e.tag == tag)
    }

    /// An entry's value bytes: in the entry itself when they fit in four,
    /// else at the offset it gives.
    fn value(&self, e: Entry) -> Option<&'a [u8]> {
        let size = type_size(e.kind)?.checked_mul(usize::try_from(e.count).ok()?)?;
        if size <= 4 {
            self.bytes(e.field, size)
        } else {
            self.bytes(usize::try_from(self.u32_in(self.data, e.field)?).ok()?, size)
        }
    }

    /// An ASCII value, up to its first NUL.
    fn ascii(&self, e: Entry) -> Option<&'a [u8]> {
        if e.kind != ASCII {
            return None;
        }
        self.value(e)?.split(|&b| b == 0).next()
    }

    /// A single SHORT.
    fn short(&self, e: Entry) -> Option<u16> {
        if e.kind != SHORT || e.count != 1 {
            return None;
        }
        self.u16_in(self.value(e)?, 0)
    }

    /// A sub-IFD's offset, from a single LONG or IFD.
    fn pointer(&self, e: Entry) -> Option<usize> {
        if !matches!(e.kind, LONG | IFD) || e.count != 1 {
            return None;
        }
        self.offset(e.field)
    }

    fn facts(self, ifd0: usize) -> ExifFacts {
        let orientation = self
            .find(ifd0, TAG_ORIENTATION)
            .and_then(|e| self.short(e))
            .filter(|o| (1..=8).contains(o));
        // One level down, and never back to IFD0.
        let sub_ifd = |tag| {
            self.find(ifd0, tag)
                .and_then(|e| self.pointer(e))
                .filter(|&ifd| ifd != ifd0)
        };
        let date_time = |ifd, tag| {
            self.find(ifd, tag)
                .and_then(|e| self.ascii(e))
                .and_then(parse_date_time)
        };
        let taken_at = sub_ifd(TAG_EXIF_IFD)
            .and_then(|exif| {
                date_time(exif, TAG_DATE_TIME_ORIGINAL).or_else(|| date_time(exif, TAG_DATE_TIME_DIGITIZED))
            })
            .or_else(|| date_time(ifd0, TAG_DATE_TIME));
        let (lat, lon) = sub_ifd(TAG_GPS_IFD).and_then(|gps| self.position(gps)).unzip();
        ExifFacts {
            taken_at,
            lat,
            lon,
            orientation,
        }
    }

    /// Latitude and longitude from the GPS IFD at `gps`.
    fn position(self, gps: usize) -> Option<(f64, f64)> {
        let lat = self.coordinate(gps, TAG_GPS_LATITUDE_REF, TAG_GPS_LATITUDE, (b'N', b'S'), 90.0)?;
        let lon = self.coordinate(gps, TAG_GPS_LONGITUDE_REF, TAG_GPS_LONGITUDE, (b'E', b'W'), 180.0)?;
        // Phones without a fix write zeros: (0, 0) is in the Gulf of Guinea.
        (lat != 0.0 || lon != 0.0).then_some((lat, lon))
    }

    /// One signed coordinate: its hemisphere letter (positive, negative) from
    /// `ref_tag`, its degrees, minutes and seconds from `tag`.
    fn coordinate(self, gps: usize, ref_tag: u16, tag: u16, (pos, neg): (u8, u8), max: f64) -> Option<f64> {
        let sign = match self.ascii(self.find(gps, ref_tag)?)?.first()?.to_ascii_uppercase() {
            b if b == pos => 1.0,
            b if b == neg => -1.0,
            _ => return None,
        };
        let degrees = self.degrees(self.find(gps, tag)?)?;
        (degrees.is_finite() && degrees <= max).then_some(to_centimetres(sign * degrees))
    }

    /// Up to three RATIONALs (degrees, minutes, seconds) as degrees.
    fn degrees(&self, e: Entry) -> Option<f64> {
        if e.kind != RATIONAL || !(1..=3).contains(&e.count) {
            return None;
        }
        let value = self.value(e)?;
        let mut dms = [0.0; 3];
        for (i, part) in dms.iter_mut().enumerate().take(value.len() / 8) {
            let num = self.u32_in(value, 8 * i)?;
            let den = self.u32_in(value, 8 * i + 4)?;
            if den == 0 {
                return None;
            }
            *part = f64::from(num) / f64::from(den);
        }
        let [d, m, s] = dms;
        if !(m < 60.0 && s < 60.0) {
            return None;
        }
        Some(d + m / 60.0 + s / 3600.0)
    }
}

/// An EXIF date and time, `YYYY:MM:DD HH:MM:SS` (perhaps padded with
/// spaces); a blank or impossible one (`0000:00:00 00:00:00`) is none.
fn parse_date_time(s: &[u8]) -> Option<NaiveDateTime> {
    let s = s.trim_ascii_end();
    if s.len() != 19 || s[4] != b':' || s[7] != b':' || s[10] != b' ' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| {
        s[from..to]
            .iter()
            .try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?.and_hms_opt(
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
    )
}

/// Degrees rounded to seven decimals (about a centimetre; a phone's GPS is
/// good to metres). The rounded number is written with at most ten
/// significant digits, so any JSON reader, however fast and loose, reads it
/// back as the same double: the phone's wasm reads its stored reports with
/// serde_json's short float parser (the exact one is 7 KB of download), and
/// a report resent after a crash must carry exactly the coordinates it was
/// first sent with. Never -0.0: the phone's store keeps records as JS
/// objects, and JSON.stringify writes -0 as 0, which would change the text.
pub fn to_centimetres(degrees: f64) -> f64 {
    (degrees * 1e7).round() / 1e7 + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value for an entry of a test file's IFD.
    #[derive(Clone)]
    enum V {
        Short(u16),
        Long(u32),
        Ascii(&'static str),
        Rationals(Vec<(u32, u32)>),
        /// Any type and count, with `field` as the value-or-offset.
        Raw {
            kind: u16,
            count: u32,
            field: u32,
        },
    }

    /// Writes a TIFF structure in either byte order.
    struct Writer {
        big_endian: bool,
        out: Vec<u8>,
    }

    impl Writer {
        fn put16(&mut self, v: u16) {
            let b = if self.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend(b);
        }

        fn put32(&mut self, v: u32) {
            let b = if self.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend(b);
        }

        fn set32(&mut self, at: usize, v: u32) {
            let b = if self.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out[at..at + 4].copy_from_slice(&b);
        }

        /// Appends an IFD and, after it, the values too long for its entries;
        /// returns its offset and where each entry's value field is.
        fn ifd(&mut self, entries: &[(u16, V)]) -> (u32, Vec<usize>) {
            let start = self.out.len();
            let data_at = start + 2 + 12 * entries.len() + 4;
            let mut data = Vec::new();
            let mut fields = Vec::new();
            self.put16(entries.len() as u16);
            for (tag, v) in entries {
                let mut bytes = Vec::new();
                let (kind, count) = match v {
                    V::Short(n) => {
                        bytes.extend(if self.big_endian {
                            n.to_be_bytes()
                        } else {
                            n.to_le_bytes()
                        });
                        (SHORT, 1)
                    }
                    V::Long(n) => {
                        bytes.extend(if self.big_endian {
                            n.to_be_bytes()
                        } else {
                            n.to_le_bytes()
                        });
                        (LONG, 1)
                    }
                    V::Ascii(s) => {
                        bytes.extend(s.bytes().chain([0]));
                        (ASCII, s.len() as u32 + 1)
                    }
                    V::Rationals(rs) => {
                        for &(num, den) in rs {
                            for n in [num, den] {
                                bytes.extend(if self.big_endian {
                                    n.to_be_bytes()
                                } else {
                                    n.to_le_bytes()
                                });
                            }
                        }
                        (RATIONAL, rs.len() as u32)
                    }
                    V::Raw { kind, count, .. } => (*kind, *count),
                };
                self.put16(*tag);
                self.put16(kind);
                self.put32(count);
                fields.push(self.out.len());
                if let V::Raw { field, .. } = v {
                    self.put32(*field);
                } else if bytes.len() <= 4 {
                    bytes.resize(4, 0);
                    self.out.extend(bytes);
                } else {
                    self.put32((data_at + data.len()) as u32);
                    data.extend(bytes);
                    if data.len() % 2 == 1 {
                        data.push(0);
                    }
                }
            }
            self.put32(0); // no next IFD
            self.out.extend(data);
            (start as u32, fields)
        }
    }

    /// A TIFF structure as cameras lay it out: the header, IFD0 at 8, then
    /// the Exif IFD and the GPS IFD, each given only if not empty, with IFD0
    /// pointing to them.
    fn tiff(big_endian: bool, ifd0: &[(u16, V)], exif: &[(u16, V)], gps: &[(u16, V)]) -> Vec<u8> {
        let mut w = Writer {
            big_endian,
            out: if big_endian { b"MM".to_vec() } else { b"II".to_vec() },
        };
        w.put16(42);
        w.put32(8);
        let mut ifd0 = ifd0.to_vec();
        let subs: Vec<_> = [(TAG_EXIF_IFD, exif), (TAG_GPS_IFD, gps)]
            .into_iter()
            .filter(|(_, s)| !s.is_empty())
            .collect();
        ifd0.extend(subs.iter().map(|&(tag, _)| (tag, V::Long(0))));
        let (_, fields) = w.ifd(&ifd0);
        for (i, (_, sub)) in subs.iter().enumerate() {
            let (at, _) = w.ifd(sub);
            w.set32(fields[fields.len() - subs.len() + i], at);
        }
        w.out
    }

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend((body.len() as u16 + 2).to_be_bytes());
        s.extend(body);
        s
    }

    /// A JPEG file: SOI, `before` (other segments), the EXIF APP1 segment,
    /// a quantisation table, the scan and EOI.
    fn jpeg_with(before: &[u8], tiff: &[u8]) -> Vec<u8> {
        let mut f = vec![0xFF, 0xD8];
        f.extend(before);
        f.extend(segment(0xE1, &[b"Exif\0\0".as_slice(), tiff].concat()));
        f.extend(segment(0xDB, &[0x01; 65]));
        f.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
        f.extend([0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]);
        f
    }

    fn jpeg(tiff: &[u8]) -> Vec<u8> {
        jpeg_with(&[], tiff)
    }

    fn ifd0() -> Vec<(u16, V)> {
        vec![
            (0x010F, V::Ascii("Xiaomi")),
            (0x0110, V::Ascii("2201117TY")),
            (TAG_ORIENTATION, V::Short(1)),
            (0x011A, V::Rationals(vec![(72, 1)])),
            (0x011B, V::Rationals(vec![(72, 1)])),
            (0x0128, V::Short(2)),
            (TAG_DATE_TIME, V::Ascii("2023:05:12 18:20:00")),
        ]
    }

    fn exif_ifd() -> Vec<(u16, V)> {
        vec![
            (0x829A, V::Rationals(vec![(1, 100)])),
            (0x829D, V::Rationals(vec![(179, 100)])),
            (0x8827, V::Short(200)),
            (TAG_DATE_TIME_ORIGINAL, V::Ascii("2023:05:12 14:03:09")),
            (TAG_DATE_TIME_DIGITIZED, V::Ascii("2023:05:12 14:03:10")),
            (0x9011, V::Ascii("+08:00")),
        ]
    }

    /// A GPS IFD at `lat` (deg, min, sec x10, ref) and `lon` likewise.
    fn gps_ifd(lat: (u32, u32, u32, &'static str), lon: (u32, u32, u32, &'static str)) -> Vec<(u16, V)> {
        vec![
            (TAG_GPS_LATITUDE_REF, V::Ascii(lat.3)),
            (
                TAG_GPS_LATITUDE,
                V::Rationals(vec![(lat.0, 1), (lat.1, 1), (lat.2, 10)]),
            ),
            (TAG_GPS_LONGITUDE_REF, V::Ascii(lon.3)),
            (
                TAG_GPS_LONGITUDE,
                V::Rationals(vec![(lon.0, 1), (lon.1, 1), (lon.2, 10)]),
            ),
            (
                0x0005,
                V::Raw {
                    kind: 1,
                    count: 1,
                    field: 0,
                },
            ),
            (0x0006, V::Rationals(vec![(503_000, 1000)])),
            (0x0007, V::Rationals(vec![(6, 1), (3, 1), (9, 1)])),
            (0x001D, V::Ascii("2023:05:12")),
        ]
    }

    /// 30°39'31.0"N 104°3'53.3"E, Chengdu.
    fn chengdu() -> Vec<(u16, V)> {
        gps_ifd((30, 39, 310, "N"), (104, 3, 533, "E"))
    }

    /// A file as a phone's camera writes it.
    fn camera(big_endian: bool) -> Vec<u8> {
        jpeg(&tiff(big_endian, &ifd0(), &exif_ifd(), &chengdu()))
    }

    fn at(s: &str) -> Option<NaiveDateTime> {
        Some(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
    }

    fn near(got: Option<f64>, want: f64) -> bool {
        got.is_some_and(|got| (got - want).abs() < 1e-5)
    }

    fn no_position(f: ExifFacts) -> bool {
        f.lat.is_none() && f.lon.is_none()
    }

    const BOTH_ORDERS: [bool; 2] = [false, true];

    #[test]
    fn a_camera_file_gives_time_place_and_orientation() {
        for big_endian in BOTH_ORDERS {
            let f = read(&camera(big_endian));
            assert_eq!(f.taken_at, at("2023-05-12 14:03:09"), "big endian: {big_endian}");
            assert!(near(f.lat, 30.658611), "{f:?}");
            assert!(near(f.lon, 104.064806), "{f:?}");
            assert_eq!(f.orientation, Some(1));
        }
    }

    #[test]
    fn other_segments_before_the_exif_are_skipped() {
        let mut before = segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        before.extend([0xFF, 0xFF]); // fill bytes before a marker
        before.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"));
        before.extend(segment(0xFE, b"a comment with Exif\0\0MM in it"));
        before.extend(segment(0xE2, &[0xFF; 300]));
        for big_endian in BOTH_ORDERS {
            let f = read(&jpeg_with(&before, &tiff(big_endian, &ifd0(), &exif_ifd(), &chengdu())));
            assert_eq!(f.taken_at, at("2023-05-12 14:03:09"));
            assert!(near(f.lat, 30.658611) && near(f.lon, 104.064806), "{f:?}");
        }
    }

    #[test]
    fn ifd0_date_time_is_the_fallback() {
        for big_endian in BOTH_ORDERS {
            let f = read(&jpeg(&tiff(big_endian, &ifd0(), &[], &[])));
            assert_eq!(
                f,
                ExifFacts {
                    taken_at: at("2023-05-12 18:20:00"),
                    orientation: Some(1),
                    ..ExifFacts::default()
                }
            );

            // An Exif IFD without a usable DateTimeOriginal: Digitized, else DateTime.
            let blank = [(TAG_DATE_TIME_ORIGINAL, V::Ascii("    :  :     :  :  "))];
            let digitized = [
                blank[0].clone(),
                (TAG_DATE_TIME_DIGITIZED, V::Ascii("2023:05:12 14:03:10")),
            ];
            assert_eq!(
                read(&jpeg(&tiff(big_endian, &ifd0(), &digitized, &[]))).taken_at,
                at("2023-05-12 14:03:10")
            );
            assert_eq!(
                read(&jpeg(&tiff(big_endian, &ifd0(), &blank, &[]))).taken_at,
                at("2023-05-12 18:20:00")
            );
            let zeros = [(TAG_DATE_TIME_ORIGINAL, V::Ascii("0000:00:00 00:00:00"))];
            assert_eq!(
                read(&jpeg(&tiff(big_endian, &ifd0(), &zeros, &[]))).taken_at,
                at("2023-05-12 18:20:00")
            );
        }
    }

    #[test]
    fn only_real_dates_are_dates() {
        let taken = |s: &'static str| read(&jpeg(&tiff(true, &[(TAG_DATE_TIME, V::Ascii(s))], &[], &[]))).taken_at;
        assert_eq!(taken("2024:02:29 23:59:59"), at("2024-02-29 23:59:59"));
        assert_eq!(taken("2024:07:18 09:41:27  "), at("2024-07-18 09:41:27"), "padded");
        for bad in [
            "2023:02:29 10:00:00",
            "2023:05:12 24:00:00",
            "2023:13:01 10:00:00",
            "2023-05-12 14:03:09",
            "2023:05:12T14:03:09",
            "2023:05:12 14:03",
            "2023:05:12 14:03:09.5",
            "+023:05:12 14:03:09",
            "２０２３:05:12 14:03:09",
            "",
        ] {
            assert_eq!(taken(bad), None, "{bad:?}");
        }
        // DateTime must be ASCII.
        let as_bytes = [(
            TAG_DATE_TIME,
            V::Raw {
                kind: 7,
                count: 4,
                field: u32::from_be_bytes(*b"2023"),
            },
        )];
        assert_eq!(read(&jpeg(&tiff(true, &as_bytes, &[], &[]))).taken_at, None);
    }

    #[test]
    fn orientation_is_read_and_nonsense_is_not() {
        for big_endian in BOTH_ORDERS {
            let orientation = |v: V| read(&jpeg(&tiff(big_endian, &[(TAG_ORIENTATION, v)], &[], &[]))).orientation;
            assert_eq!(orientation(V::Short(6)), Some(6), "big endian: {big_endian}");
            assert_eq!(orientation(V::Short(8)), Some(8));
            assert_eq!(orientation(V::Short(0)), None);
            assert_eq!(orientation(V::Short(9)), None);
            assert_eq!(orientation(V::Long(6)), None, "not a SHORT");
            assert_eq!(
                orientation(V::Raw {
                    kind: SHORT,
                    count: 2,
                    field: 6
                }),
                None
            );
        }
        let mut ifd = ifd0();
        ifd[2] = (TAG_ORIENTATION, V::Short(6));
        let f = read(&jpeg(&tiff(false, &ifd, &exif_ifd(), &chengdu())));
        assert_eq!(f.orientation, Some(6));
        assert_eq!(f.taken_at, at("2023-05-12 14:03:09"));
    }

    #[test]
    fn southern_and_western_hemispheres_are_negative() {
        for big_endian in BOTH_ORDERS {
            // 33°51'24.4"S 151°12'54.6"E, Sydney.
            let sydney = gps_ifd((33, 51, 244, "S"), (151, 12, 546, "E"));
            let f = read(&jpeg(&tiff(big_endian, &ifd0(), &exif_ifd(), &sydney)));
            assert!(near(f.lat, -33.856778) && near(f.lon, 151.215167), "{f:?}");
            // 40°41'21.4"N 74°2'40.2"W, New York.
            let new_york = gps_ifd((40, 41, 214, "N"), (74, 2, 402, "W"));
            let f = read(&jpeg(&tiff(big_endian, &ifd0(), &exif_ifd(), &new_york)));
            assert!(near(f.lat, 40.689278) && near(f.lon, -74.044500), "{f:?}");
            // 22°54'30.0"S 43°12'37.8"W, Rio de Janeiro; lowercase letters.
            let rio = gps_ifd((22, 54, 300, "s"), (43, 12, 378, "w"));
            let f = read(&jpeg(&tiff(big_endian, &ifd0(), &exif_ifd(), &rio)));
            assert!(near(f.lat, -22.908333) && near(f.lon, -43.2105), "{f:?}");
        }
    }

    #[test]
    fn a_position_needs_both_coordinates_and_their_hemispheres() {
        let facts = |gps: &[(u16, V)]| read(&jpeg(&tiff(true, &ifd0(), &exif_ifd(), gps)));
        let without = |tag: u16| chengdu().into_iter().filter(|(t, _)| *t != tag).collect::<Vec<_>>();
        for tag in [
            TAG_GPS_LATITUDE_REF,
            TAG_GPS_LATITUDE,
            TAG_GPS_LONGITUDE_REF,
            TAG_GPS_LONGITUDE,
        ] {
            let f = facts(&without(tag));
            assert!(no_position(f), "without tag {tag}: {f:?}");
            assert_eq!(f.taken_at, at("2023-05-12 14:03:09"), "the rest is still read");
        }
        assert!(no_position(facts(&gps_ifd((30, 39, 310, "X"), (104, 3, 533, "E")))));
        assert!(
            no_position(facts(&gps_ifd((30, 39, 310, "E"), (104, 3, 533, "N")))),
            "letters swapped"
        );
        assert!(no_position(facts(&gps_ifd((30, 39, 310, ""), (104, 3, 533, "E")))));
        assert!(
            no_position(facts(&gps_ifd((0, 0, 0, "N"), (0, 0, 0, "E")))),
            "zeros: no fix"
        );
        // The equator or the prime meridian alone is a place.
        let f = facts(&gps_ifd((0, 0, 0, "N"), (9, 30, 0, "E")));
        assert!(near(f.lat, 0.0) && near(f.lon, 9.5), "{f:?}");
    }

    #[test]
    fn impossible_coordinates_are_refused() {
        let facts = |lat: Vec<(u32, u32)>| {
            let gps = [
                (TAG_GPS_LATITUDE_REF, V::Ascii("N")),
                (TAG_GPS_LATITUDE, V::Rationals(lat)),
                (TAG_GPS_LONGITUDE_REF, V::Ascii("E")),
                (TAG_GPS_LONGITUDE, V::Rationals(vec![(104, 1), (3, 1), (533, 10)])),
            ];
            read(&jpeg(&tiff(false, &ifd0(), &exif_ifd(), &gps)))
        };
        assert!(near(facts(vec![(30, 1), (39, 1), (31, 1)]).lat, 30.658611));
        assert!(
            near(facts(vec![(30_658_611, 1_000_000)]).lat, 30.658611),
            "decimal degrees in one"
        );
        assert!(
            near(facts(vec![(30, 1), (395_183, 10_000)]).lat, 30.658638),
            "decimal minutes"
        );
        assert!(near(facts(vec![(90, 1), (0, 1), (0, 1)]).lat, 90.0), "the pole");
        for bad in [
            vec![(30, 0), (39, 1), (31, 1)],
            vec![(30, 1), (39, 0), (31, 1)],
            vec![(30, 1), (39, 1), (0, 0)],
            vec![(91, 1), (0, 1), (0, 1)],
            vec![(90, 1), (0, 1), (1, 100)],
            vec![(30, 1), (60, 1), (0, 1)],
            vec![(30, 1), (39, 1), (75, 1)],
            vec![(u32::MAX, 1), (u32::MAX, 1), (u32::MAX, 1)],
            vec![(30, 1), (39, 1), (31, 1), (0, 1)],
            vec![],
        ] {
            let f = facts(bad.clone());
            assert!(no_position(f), "{bad:?}: {f:?}");
            assert_eq!(f.taken_at, at("2023-05-12 14:03:09"));
        }
        let lon = |lon: Vec<(u32, u32)>| {
            let gps = [
                (TAG_GPS_LATITUDE_REF, V::Ascii("S")),
                (TAG_GPS_LATITUDE, V::Rationals(vec![(30, 1)])),
                (TAG_GPS_LONGITUDE_REF, V::Ascii("W")),
                (TAG_GPS_LONGITUDE, V::Rationals(lon)),
            ];
            read(&jpeg(&tiff(true, &[], &[], &gps)))
        };
        assert!(near(lon(vec![(180, 1), (0, 1), (0, 1)]).lon, -180.0));
        assert!(no_position(lon(vec![(180, 1), (0, 1), (1, 10)])));
        assert!(no_position(lon(vec![(181, 1)])));
        // Signed rationals are not what GPS coordinates are written in.
        let srational = [
            (TAG_GPS_LATITUDE_REF, V::Ascii("N")),
            (
                TAG_GPS_LATITUDE,
                V::Raw {
                    kind: 10,
                    count: 3,
                    field: 200,
                },
            ),
            (TAG_GPS_LONGITUDE_REF, V::Ascii("E")),
            (TAG_GPS_LONGITUDE, V::Rationals(vec![(104, 1)])),
        ];
        assert!(no_position(read(&jpeg(&tiff(false, &[], &[], &srational)))));
    }

    #[test]
    fn a_cut_file_gives_what_it_had() {
        for big_endian in BOTH_ORDERS {
            let whole = camera(big_endian);
            let full = read(&whole);
            let mut seen_time_without_place = false;
            for n in 0..=whole.len() {
                let f = read(&whole[..n]);
                // Every fact is either the whole file's or none, never garbage;
                // the time may be IFD0's when the Exif IFD is cut off.
                let fallback = at("2023-05-12 18:20:00");
                assert!(
                    [None, full.taken_at, fallback].contains(&f.taken_at),
                    "cut at {n}: {f:?}"
                );
                assert!(f.lat.is_none() || f.lat == full.lat, "cut at {n}: {f:?}");
                assert!(f.lon.is_none() || f.lon == full.lon, "cut at {n}: {f:?}");
                assert!(
                    f.orientation.is_none() || f.orientation == full.orientation,
                    "cut at {n}: {f:?}"
                );
                assert_eq!(f.lat.is_some(), f.lon.is_some());
                seen_time_without_place |= f.taken_at == full.taken_at && f.lat.is_none();
            }
            assert!(seen_time_without_place, "a cut inside the GPS IFD keeps the time");
            // Cut just after the EXIF segment: all is there.
            let exif_end = 4 + usize::from(u16::from_be_bytes([whole[4], whole[5]]));
            assert_eq!(read(&whole[..exif_end]), full);
            assert_eq!(read(&whole[..exif_end - 1]).taken_at, full.taken_at);
        }
    }

    #[test]
    fn the_head_the_phone_reads_is_enough() {
        let mut big = camera(false);
        big.truncate(big.len() - 2); // before EOI
        big.extend((0..400_000u32).map(|i| (i % 251) as u8 | 1)); // no 0xFF 0xD9 in it
        big.extend([0xFF, 0xD9]);
        let f = read(&big[..HEAD_BYTES]);
        assert_eq!(f, read(&big));
        assert_eq!(f.taken_at, at("2023-05-12 14:03:09"));
        assert!(near(f.lat, 30.658611));
    }

    /// A few thousand bytes from a fixed-seed xorshift generator.
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn garbage_is_no_exif() {
        let nothing = ExifFacts::default();
        let tiff_le = tiff(false, &ifd0(), &exif_ifd(), &chengdu());
        let mut cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xFF],
            vec![0xFF, 0xD8],
            vec![0xFF, 0xD8, 0xFF],
            vec![0xFF, 0xD8, 0xFF, 0xE1],
            vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00],
            vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x00, b'E'],
            vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, b'E'],
            vec![0xFF, 0xD8, 0xFF, 0xD9],
            vec![0xFF; 1000],
            vec![0; 1000],
            [&[0xFF, 0xD8][..], &[0xFF; 1000]].concat(),
            b"Exif\0\0".to_vec(),
            [b"Exif\0\0".as_slice(), &tiff_le].concat(),
            tiff_le.clone(),
            b"<html><body>not a photo</body></html>".to_vec(),
            // The EXIF after the scan is image data, not EXIF.
            [
                &[0xFF, 0xD8][..],
                &segment(0xDA, &[0; 6]),
                &segment(0xE1, &[b"Exif\0\0".as_slice(), &tiff_le].concat()),
            ]
            .concat(),
            // Neither II nor MM, nor 42.
            jpeg(&[b"IM".as_slice(), &tiff_le[2..]].concat()),
            jpeg(&[b"II\x2B\0".as_slice(), &tiff_le[4..]].concat()),
            jpeg(b"II"),
            jpeg(b""),
            // Not the EXIF header.
            [
                &[0xFF, 0xD8][..],
                &segment(0xE1, &[b"Exif\0".as_slice(), &tiff_le].concat()),
            ]
            .concat(),
            // Bytes between segments.
            [
                &[0xFF, 0xD8][..],
                &segment(0xE0, b"JFIF\0"),
                &[0x00],
                &segment(0xE1, &[b"Exif\0\0".as_slice(), &tiff_le].concat()),
            ]
            .concat(),
        ];
        let fixed = cases.len();
        for seed in 1..200 {
            let mut n = noise(seed, 2000);
            cases.push(n.clone());
            n[..2].copy_from_slice(&[0xFF, 0xD8]);
            cases.push(n.clone());
            n[2..10].copy_from_slice(&[0xFF, 0xE1, 0x07, 0xD0, b'E', b'x', b'i', b'f']);
            n[10..12].fill(0);
            cases.push(n.clone());
            n[12..14].copy_from_slice(if seed % 2 == 0 { b"II" } else { b"MM" });
            cases.push(n);
        }
        for (i, bytes) in cases.iter().enumerate() {
            let f = read(bytes);
            assert!(f.taken_at.is_none() && no_position(f), "case {i}: {f:?}");
            if i < fixed {
                assert_eq!(f, nothing, "case {i}");
            }
        }
    }

    #[test]
    fn a_png_is_not_read() {
        // Even one carrying the same TIFF structure in an eXIf chunk: the
        // phone's camera writes JPEG, and PNG is taken as it is.
        let tiff = tiff(true, &ifd0(), &exif_ifd(), &chengdu());
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        for (kind, data) in [
            (&b"IHDR"[..], &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0][..]),
            (b"eXIf", &tiff),
            (b"IEND", &[]),
        ] {
            png.extend((data.len() as u32).to_be_bytes());
            png.extend(kind);
            png.extend(data);
            png.extend([0; 4]); // the CRC, unchecked here
        }
        assert_eq!(read(&png), ExifFacts::default());
    }

    #[test]
    fn offsets_past_the_end_are_refused() {
        for big_endian in BOTH_ORDERS {
            // IFD0 past the end, and far past it.
            for ifd0_at in [1_000, u32::MAX - 3, u32::MAX] {
                let mut t = tiff(big_endian, &ifd0(), &exif_ifd(), &chengdu());
                let b = if big_endian {
                    ifd0_at.to_be_bytes()
                } else {
                    ifd0_at.to_le_bytes()
                };
                t[4..8].copy_from_slice(&b);
                assert_eq!(read(&jpeg(&t)), ExifFacts::default());
            }
            // Sub-IFDs past the end: IFD0 still gives what it has.
            for past in [500, 0xFFFF_FFF0, u32::MAX] {
                let ifd = [
                    (TAG_ORIENTATION, V::Short(3)),
                    (TAG_DATE_TIME, V::Ascii("2023:05:12 18:20:00")),
                    (TAG_EXIF_IFD, V::Long(past)),
                    (TAG_GPS_IFD, V::Long(past)),
                ];
                let f = read(&jpeg(&tiff(big_endian, &ifd, &[], &[])));
                assert_eq!(
                    f,
                    ExifFacts {
                        taken_at: at("2023-05-12 18:20:00"),
                        orientation: Some(3),
                        ..Default::default()
                    }
                );
            }
            // Values whose offsets lie past the end, or wrap round.
            for past in [400, 0xFFFF_FFF0, u32::MAX] {
                let exif = [(
                    TAG_DATE_TIME_ORIGINAL,
                    V::Raw {
                        kind: ASCII,
                        count: 20,
                        field: past,
                    },
                )];
                let gps = [
                    (TAG_GPS_LATITUDE_REF, V::Ascii("N")),
                    (
                        TAG_GPS_LATITUDE,
                        V::Raw {
                            kind: RATIONAL,
                            count: 3,
                            field: past,
                        },
                    ),
                    (TAG_GPS_LONGITUDE_REF, V::Ascii("E")),
                    (TAG_GPS_LONGITUDE, V::Rationals(vec![(104, 1), (3, 1), (533, 10)])),
                ];
                let f = read(&jpeg(&tiff(big_endian, &ifd0(), &exif, &gps)));
                assert_eq!(
                    f,
                    ExifFacts {
                        taken_at: at("2023-05-12 18:20:00"),
                        orientation: Some(1),
                        ..Default::default()
                    }
                );
            }
        }
        // An APP1 segment that says it is longer than the file: what is there is read.
        let mut f = camera(true);
        f[4..6].copy_from_slice(&0xFFF0u16.to_be_bytes());
        assert_eq!(read(&f).taken_at, at("2023-05-12 14:03:09"));
    }

    #[test]
    fn ifd_loops_end() {
        for big_endian in BOTH_ORDERS {
            // Exif and GPS pointers back to IFD0, whose next IFD is itself.
            let ifd = [
                (TAG_ORIENTATION, V::Short(6)),
                (TAG_DATE_TIME, V::Ascii("2023:05:12 18:20:00")),
                (TAG_EXIF_IFD, V::Long(8)),
                (TAG_GPS_IFD, V::Long(8)),
                (TAG_DATE_TIME_ORIGINAL, V::Ascii("2001:01:01 00:00:00")),
            ];
            let mut t = tiff(big_endian, &ifd, &[], &[]);
            let next = 8 + 2 + 12 * ifd.len();
            t[next..next + 4].copy_from_slice(&if big_endian {
                8u32.to_be_bytes()
            } else {
                8u32.to_le_bytes()
            });
            let f = read(&jpeg(&t));
            assert_eq!(
                f,
                ExifFacts {
                    taken_at: at("2023-05-12 18:20:00"),
                    orientation: Some(6),
                    ..Default::default()
                }
            );

            // Sub-IFDs pointing at themselves and at each other.
            let mut exif = exif_ifd();
            exif.push((TAG_EXIF_IFD, V::Long(0)));
            exif.push((TAG_GPS_IFD, V::Long(0)));
            let mut gps = chengdu();
            gps.push((TAG_EXIF_IFD, V::Long(0)));
            let mut t = tiff(big_endian, &ifd0(), &exif, &gps);
            // Point them at the Exif IFD: itself, and from the GPS IFD to it.
            let (view, ifd0_at) = Tiff::new(&t).unwrap();
            let sub = |tag| view.find(ifd0_at, tag).and_then(|e| view.pointer(e)).unwrap();
            let (exif_at, gps_at) = (sub(TAG_EXIF_IFD), sub(TAG_GPS_IFD));
            let fields: Vec<usize> = [exif_at, gps_at]
                .into_iter()
                .flat_map(|ifd| view.entries(ifd))
                .filter(|e| e.tag == TAG_EXIF_IFD || e.tag == TAG_GPS_IFD)
                .map(|e| e.field)
                .collect();
            assert_eq!(fields.len(), 3);
            let b = if big_endian {
                (exif_at as u32).to_be_bytes()
            } else {
                (exif_at as u32).to_le_bytes()
            };
            for field in fields {
                t[field..field + 4].copy_from_slice(&b);
            }
            let f = read(&jpeg(&t));
            assert_eq!(f.taken_at, at("2023-05-12 14:03:09"));
            assert!(near(f.lat, 30.658611) && near(f.lon, 104.064806), "{f:?}");
        }
    }

    #[test]
    fn huge_counts_are_refused() {
        for big_endian in BOTH_ORDERS {
            for count in [21, 0x1000_0000, 0x2000_0000, u32::MAX] {
                let exif = [(
                    TAG_DATE_TIME_ORIGINAL,
                    V::Raw {
                        kind: ASCII,
                        count,
                        field: 8,
                    },
                )];
                let gps = [
                    (
                        TAG_GPS_LATITUDE_REF,
                        V::Raw {
                            kind: ASCII,
                            count,
                            field: 8,
                        },
                    ),
                    (
                        TAG_GPS_LATITUDE,
                        V::Raw {
                            kind: RATIONAL,
                            count,
                            field: 8,
                        },
                    ),
                    (TAG_GPS_LONGITUDE_REF, V::Ascii("E")),
                    (TAG_GPS_LONGITUDE, V::Rationals(vec![(104, 1), (3, 1), (533, 10)])),
                ];
                let f = read(&jpeg(&tiff(big_endian, &[], &exif, &gps)));
                assert_eq!(f, ExifFacts::default(), "count {count}");
            }
            // An IFD claiming 65535 entries, with bytes for a few.
            let mut t = tiff(big_endian, &ifd0(), &exif_ifd(), &[]);
            t[8..10].copy_from_slice(&[0xFF, 0xFF]);
            let f = read(&jpeg(&t));
            assert_eq!(f.orientation, Some(1), "the real entries still count");
        }
    }

    #[test]
    fn no_damage_to_a_camera_file_makes_it_panic() {
        for big_endian in BOTH_ORDERS {
            let whole = camera(big_endian);
            for i in 0..whole.len() {
                for damage in [0x00, 0xFF, 0x80, whole[i] ^ 0x01, whole[i].wrapping_add(1)] {
                    let mut f = whole.clone();
                    f[i] = damage;
                    let _ = read(&f);
                }
            }
        }
    }

    #[test]
    fn a_phone_photo() {
        // Made with Pillow and piexif (see make_phone_gps.py beside it): a
        // JFIF APP0 first, big-endian EXIF with a maker note, a GPS IFD and a
        // thumbnail JPEG of its own inside the APP1 segment.
        let file = include_bytes!("../../tests/fixtures/exif/phone_gps.jpg");
        let f = read(file);
        assert_eq!(f.taken_at, at("2024-07-18 09:41:27"));
        // 31°14'25.32"N 121°28'29.76"E, Shanghai.
        assert!(near(f.lat, 31.240367) && near(f.lon, 121.474933), "{f:?}");
        assert_eq!(f.orientation, Some(6));
        assert_eq!(read(&file[..file.len().min(HEAD_BYTES)]), f);
    }

    /// Clinger: a decimal of at most 15 significant digits and a power of
    /// ten up to 22 is read exactly by one division, which is all
    /// serde_json's short parser does. The phone's wasm relies on it.
    #[test]
    fn rounded_coordinates_are_written_short_enough_to_read_back_exactly() {
        let mut n = 0;
        for d in 0..=180u32 {
            for m in (0..60u32).step_by(7) {
                for s in (0..6000u32).step_by(397) {
                    let degrees = f64::from(d) + f64::from(m) / 60.0 + f64::from(s) / 100.0 / 3600.0;
                    let rounded = to_centimetres(degrees);
                    assert!((rounded - degrees).abs() <= 0.5e-7 + 1e-12, "{degrees}");
                    let text = serde_json::to_string(&-rounded).expect("json");
                    let digits = text
                        .bytes()
                        .take_while(|b| *b != b'e')
                        .filter(u8::is_ascii_digit)
                        .count();
                    let fraction = text.split_once('.').map_or(0, |(_, f)| f.len());
                    assert!(
                        digits <= 10 && fraction <= 7 && !text.contains('e'),
                        "{degrees} → {text}"
                    );
                    assert_eq!(text.parse::<f64>().ok(), Some(-rounded));
                    n += 1;
                }
            }
        }
        assert!(n > 10_000);
        // West of Greenwich by less than a centimetre is the meridian.
        for tiny_west in [-0.0, -1e-9, -4e-8] {
            assert!(to_centimetres(tiny_west) == 0.0 && to_centimetres(tiny_west).is_sign_positive());
        }
    }
}
