//! Small JPEG files with EXIF, laid out as phone cameras write them, for the
//! `exif` target's seeds: SOI, perhaps a JFIF APP0, the `Exif\0\0` APP1
//! segment (a TIFF structure: IFD0, then the Exif and GPS IFDs it points
//! to), a quantisation table, a scan, EOI. The fuzzer mutates from these, so
//! its inputs reach the IFD walk rather than stopping at the first marker.

/// A value of an IFD entry.
pub enum Value {
    Short(u16),
    Ascii(&'static str),
    /// Degrees, minutes, seconds, as RATIONALs.
    Rationals(&'static [(u32, u32)]),
}

pub type Ifd = Vec<(u16, Value)>;

pub const ORIENTATION: u16 = 0x0112;
pub const DATE_TIME: u16 = 0x0132;
const EXIF_IFD: u16 = 0x8769;
const GPS_IFD: u16 = 0x8825;
pub const DATE_TIME_ORIGINAL: u16 = 0x9003;
pub const DATE_TIME_DIGITIZED: u16 = 0x9004;
pub const GPS_LATITUDE_REF: u16 = 0x0001;
pub const GPS_LATITUDE: u16 = 0x0002;
pub const GPS_LONGITUDE_REF: u16 = 0x0003;
pub const GPS_LONGITUDE: u16 = 0x0004;

const SHORT: u16 = 3;
const ASCII: u16 = 2;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;

/// A TIFF structure in either byte order.
struct Tiff {
    big_endian: bool,
    out: Vec<u8>,
}

impl Tiff {
    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// Appends an IFD with no next IFD, its long values after it; returns
    /// where each entry's value-or-offset field is.
    fn ifd(&mut self, entries: &[(u16, Value)], pointers: &[u16]) -> Vec<usize> {
        let count = entries.len() + pointers.len();
        let mut data_at = self.out.len() + 2 + 12 * count + 4;
        let mut data = Vec::new();
        let mut fields = Vec::new();
        self.out.extend(self.u16(count as u16));
        for (tag, value) in entries {
            let (kind, n, mut bytes) = match value {
                Value::Short(v) => (SHORT, 1, self.u16(*v).to_vec()),
                Value::Ascii(s) => (ASCII, s.len() + 1, [s.as_bytes(), &[0]].concat()),
                Value::Rationals(rs) => (
                    RATIONAL,
                    rs.len(),
                    rs.iter()
                        .flat_map(|&(num, den)| [self.u32(num), self.u32(den)])
                        .flatten()
                        .collect(),
                ),
            };
            self.out.extend(self.u16(*tag));
            self.out.extend(self.u16(kind));
            self.out.extend(self.u32(n as u32));
            if bytes.len() <= 4 {
                bytes.resize(4, 0);
                self.out.extend(bytes);
            } else {
                self.out.extend(self.u32(data_at as u32));
                data_at += bytes.len();
                data.extend(bytes);
            }
        }
        for tag in pointers {
            self.out.extend(self.u16(*tag));
            self.out.extend(self.u16(LONG));
            self.out.extend(self.u32(1));
            fields.push(self.out.len());
            self.out.extend([0; 4]); // filled in once the sub-IFD is placed
        }
        self.out.extend([0; 4]);
        self.out.extend(data);
        fields
    }
}

/// The TIFF structure: IFD0 at 8, then the Exif and GPS IFDs, each only if
/// it has entries, IFD0 pointing to them.
pub fn tiff(big_endian: bool, ifd0: &[(u16, Value)], exif: &[(u16, Value)], gps: &[(u16, Value)]) -> Vec<u8> {
    let mut t = Tiff {
        big_endian,
        out: if big_endian { b"MM".to_vec() } else { b"II".to_vec() },
    };
    t.out.extend(t.u16(42));
    t.out.extend(t.u32(8));
    let subs: Vec<(u16, &[(u16, Value)])> = [(EXIF_IFD, exif), (GPS_IFD, gps)]
        .into_iter()
        .filter(|(_, entries)| !entries.is_empty())
        .collect();
    let tags: Vec<u16> = subs.iter().map(|&(tag, _)| tag).collect();
    let fields = t.ifd(ifd0, &tags);
    for (field, (_, entries)) in fields.into_iter().zip(subs) {
        let at = t.u32(t.out.len() as u32);
        t.out[field..field + 4].copy_from_slice(&at);
        t.ifd(entries, &[]);
    }
    t.out
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend((body.len() as u16 + 2).to_be_bytes());
    s.extend(body);
    s
}

/// A JPEG file around `tiff`, with a JFIF APP0 segment first if `jfif`.
pub fn jpeg(tiff: &[u8], jfif: bool) -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    if jfif {
        f.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    }
    f.extend(segment(0xE1, &[b"Exif\0\0".as_slice(), tiff].concat()));
    f.extend(segment(0xDB, &[0x01; 65]));
    f.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    f.extend([0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]);
    f
}

/// A JPEG without EXIF: JFIF APP0, a table, the scan.
pub fn plain() -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    f.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    f.extend(segment(0xDB, &[0x01; 65]));
    f.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    f.extend([0x12, 0x34, 0xFF, 0xD9]);
    f
}
