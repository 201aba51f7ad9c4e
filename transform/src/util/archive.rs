//! taskgraph.util.archive: the deterministic tar stream whose SHA-256 is a docker context digest.
//!
//! taskgraph writes it with Python's `tarfile` in GNU format, through a `TarInfo` subclass that
//! reproduces the header of Python < 3.9 (device-number fields written as octal zeros, not
//! NULs). Byte for byte, each member is:
//!
//! * for a name longer than 100 bytes, a `././@LongLink` header (type `L`, mode/uid/gid/mtime 0,
//!   size = name length + 1) followed by the NUL-terminated name padded to 512 bytes;
//! * a 512-byte header: name (first 100 bytes), mode & 0o7777, uid 0, gid 0, size, mtime
//!   1451606400 as NUL-terminated octal, checksum `%06o\0 `, type `0`, empty link name, magic
//!   `ustar  \0`, empty user and group names, devmajor/devminor `0000000\0`, empty prefix;
//! * the content, padded with NULs to a multiple of 512 bytes.
//!
//! Members come in sorted archive-path order; the archive ends with two zero blocks and is
//! padded with zeros to a multiple of 10240 bytes (tarfile's record size).
//!
//! [`GzipWriter`] is taskgraph's `gzip_compressor`: the decision task's docker-context
//! tarballs, byte for byte what Python's `gzip.GzipFile(filename=..., compresslevel=9,
//! mtime=DEFAULT_MTIME)` writes (the same zlib deflate, level 9, raw, 15-bit window).

use std::io::{self, Read, Write};
use std::path::PathBuf;

/// 2016-01-01T00:00:00Z: the mtime of every member.
pub const DEFAULT_MTIME: u64 = 1_451_606_400;
const BLOCKSIZE: usize = 512;
const RECORDSIZE: usize = BLOCKSIZE * 20;
const GNU_MAGIC: &[u8; 8] = b"ustar  \0";
const LENGTH_NAME: usize = 100;

/// Where a member's content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberData {
    /// In memory (taskgraph's `io.BytesIO` members, e.g. the rewritten Dockerfile).
    Bytes(Vec<u8>),
    /// A file read while writing; `size` is its `st_size`, and exactly that many bytes are read
    /// (a file that shrank is an error, as in tarfile).
    File { path: PathBuf, size: u64 },
}

/// One regular file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarMember {
    /// Path inside the archive (raw bytes, as Python encodes the name).
    pub name: Vec<u8>,
    /// `st_mode` (only the permission bits, & 0o7777, are written).
    pub mode: u32,
    /// The file's content.
    pub data: MemberData,
}

impl TarMember {
    /// A member held in memory.
    pub fn bytes(name: impl Into<Vec<u8>>, mode: u32, data: impl Into<Vec<u8>>) -> TarMember {
        TarMember { name: name.into(), mode, data: MemberData::Bytes(data.into()) }
    }

    fn size(&self) -> u64 {
        match &self.data {
            MemberData::Bytes(b) => b.len() as u64,
            MemberData::File { size, .. } => *size,
        }
    }
}

/// tarfile's `itn`: a NUL-terminated zero-padded octal number of `digits` bytes, or GNU base-256
/// for values too large for octal. Returns `None` on overflow.
fn number_field(n: u64, digits: usize, gnu: bool) -> Option<Vec<u8>> {
    let limit = 8u128.pow(digits as u32 - 1);
    if (n as u128) < limit {
        let mut s = format!("{:0width$o}", n, width = digits - 1).into_bytes();
        s.push(0);
        return Some(s);
    }
    if gnu && (n as u128) < 256u128.pow(digits as u32 - 1) {
        let mut s = vec![0o200u8];
        let mut rest = vec![0u8; digits - 1];
        let mut v = n;
        for byte in rest.iter_mut().rev() {
            *byte = (v & 0xff) as u8;
            v >>= 8;
        }
        s.extend(rest);
        return Some(s);
    }
    None
}

/// tarfile's `stn`: `s` truncated to `length` bytes and NUL-padded.
fn string_field(s: &[u8], length: usize) -> Vec<u8> {
    let mut out = s.get(..length).unwrap_or(s).to_vec();
    out.resize(length, 0);
    out
}

/// The header fields taskgraph's `TarInfo._create_header` reads.
struct Header<'a> {
    name: &'a [u8],
    mode: u32,
    size: u64,
    mtime: u64,
    type_flag: u8,
    gnu_numbers: bool,
}

/// One 512-byte header block.
fn header_block(h: &Header<'_>) -> io::Result<Vec<u8>> {
    let overflow = || io::Error::new(io::ErrorKind::InvalidInput, "overflow in tar number field");
    let num = |n: u64, digits: usize| number_field(n, digits, h.gnu_numbers).ok_or_else(overflow);
    let mut buf = Vec::with_capacity(BLOCKSIZE);
    buf.extend(string_field(h.name, 100));
    buf.extend(num(u64::from(h.mode & 0o7777), 8)?);
    buf.extend(num(0, 8)?); // uid
    buf.extend(num(0, 8)?); // gid
    buf.extend(num(h.size, 12)?);
    buf.extend(num(h.mtime, 12)?);
    buf.extend(b"        "); // checksum placeholder
    buf.push(h.type_flag);
    buf.extend(string_field(b"", 100)); // linkname
    buf.extend(GNU_MAGIC);
    buf.extend(string_field(b"", 32)); // uname
    buf.extend(string_field(b"", 32)); // gname
    buf.extend(num(0, 8)?); // devmajor (the pre-3.9 header writes device fields)
    buf.extend(num(0, 8)?); // devminor
    buf.extend(string_field(b"", 155)); // prefix
    buf.resize(BLOCKSIZE, 0);
    // The checksum counts its own field (bytes 148..156) as 8 spaces: the placeholder above.
    let chksum: u32 = buf.iter().map(|&b| u32::from(b)).sum();
    let field = format!("{chksum:06o}\0");
    buf.get_mut(148..148 + field.len()).ok_or_else(overflow)?.copy_from_slice(field.as_bytes());
    Ok(buf)
}

/// NULs that pad `len` bytes to the next block boundary.
fn padding(len: usize) -> usize {
    (BLOCKSIZE - len % BLOCKSIZE) % BLOCKSIZE
}

/// Write one member (with a GNU long-name header first when needed).
fn write_member(out: &mut dyn Write, m: &TarMember, offset: &mut usize) -> io::Result<()> {
    if m.name.len() > LENGTH_NAME {
        let mut long_name = m.name.clone();
        long_name.push(0);
        let header = Header {
            name: b"././@LongLink",
            mode: 0,
            size: long_name.len() as u64,
            mtime: 0,
            type_flag: b'L',
            gnu_numbers: false,
        };
        out.write_all(&header_block(&header)?)?;
        long_name.resize(long_name.len() + padding(long_name.len()), 0);
        out.write_all(&long_name)?;
        *offset += BLOCKSIZE + long_name.len();
    }
    let size = m.size();
    let header = Header { name: &m.name, mode: m.mode, size, mtime: DEFAULT_MTIME, type_flag: b'0', gnu_numbers: true };
    out.write_all(&header_block(&header)?)?;
    match &m.data {
        MemberData::Bytes(b) => out.write_all(b)?,
        MemberData::File { path, size } => copy_exactly(path, *size, out)?,
    }
    let pad = padding((size % BLOCKSIZE as u64) as usize);
    out.write_all(&vec![0u8; pad])?;
    *offset += BLOCKSIZE + size as usize + pad;
    Ok(())
}

/// Copy exactly `size` bytes of the file at `path` to `out`.
fn copy_exactly(path: &std::path::Path, size: u64, out: &mut dyn Write) -> io::Result<()> {
    let file = std::fs::File::open(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let copied = io::copy(&mut file.take(size), out)?;
    if copied != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{}: unexpected end of data", path.display()),
        ));
    }
    Ok(())
}

/// taskgraph's `create_tar_from_files`: members sorted by name (later duplicates are the
/// caller's business), each a regular file with uid/gid 0 and the fixed mtime. Fails like
/// taskgraph on setuid/setgid files.
pub fn write_tar(out: &mut dyn Write, members: &[TarMember]) -> io::Result<()> {
    let mut sorted: Vec<&TarMember> = members.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut offset = 0usize;
    for m in sorted {
        if m.mode & 0o6000 != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cannot add file with setuid or setgid set: {}", String::from_utf8_lossy(&m.name)),
            ));
        }
        write_member(out, m, &mut offset)?;
    }
    out.write_all(&[0u8; BLOCKSIZE * 2])?;
    offset += BLOCKSIZE * 2;
    let rest = (RECORDSIZE - offset % RECORDSIZE) % RECORDSIZE;
    out.write_all(&vec![0u8; rest])?;
    Ok(())
}

/// `gzip.GzipFile(filename=NAME, mode="wb", compresslevel=9, mtime=DEFAULT_MTIME)` over `out`:
/// the header (with NAME less a `.gz` suffix), zlib's raw deflate at level 9, then CRC-32 and
/// size. Call [`GzipWriter::finish`]; dropping it unfinished leaves a truncated file.
pub struct GzipWriter<W: Write> {
    deflate: flate2::write::DeflateEncoder<W>,
    crc: flate2::Crc,
}

impl<W: Write> GzipWriter<W> {
    /// Start the member: writes Python's gzip header to `out`.
    pub fn new(mut out: W, filename: &str) -> io::Result<GzipWriter<W>> {
        let name = filename.rsplit('/').next().unwrap_or(filename);
        let name = name.strip_suffix(".gz").unwrap_or(name);
        // Python encodes the name as latin-1; a name outside it is an error there too.
        let latin1: Vec<u8> = name
            .chars()
            .map(|c| u8::try_from(u32::from(c)).map_err(|_| io::Error::other(format!("{name}: not latin-1"))))
            .collect::<io::Result<_>>()?;
        let mut header = vec![0x1f, 0x8b, 0x08, if latin1.is_empty() { 0 } else { 0x08 }];
        header.extend_from_slice(&(DEFAULT_MTIME as u32).to_le_bytes());
        // XFL 2: the best compression; OS 255: unknown, as Python writes.
        header.extend_from_slice(&[0x02, 0xff]);
        if !latin1.is_empty() {
            header.extend_from_slice(&latin1);
            header.push(0);
        }
        out.write_all(&header)?;
        let deflate = flate2::write::DeflateEncoder::new(out, flate2::Compression::new(9));
        Ok(GzipWriter { deflate, crc: flate2::Crc::new() })
    }

    /// End the member: flushes the deflate stream and writes CRC-32 and size (mod 2^32).
    pub fn finish(self) -> io::Result<W> {
        let mut out = self.deflate.finish()?;
        out.write_all(&self.crc.sum().to_le_bytes())?;
        out.write_all(&self.crc.amount().to_le_bytes())?;
        Ok(out)
    }
}

impl<W: Write> Write for GzipWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.deflate.write(buf)?;
        self.crc.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    /// Nothing: a sync flush would change the deflate stream (Python never flushes midway).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn digest(members: &[TarMember]) -> String {
        let mut buf = Vec::new();
        write_tar(&mut buf, members).unwrap();
        hex::encode(Sha256::digest(&buf))
    }

    #[test]
    fn matches_python_tarfile() {
        // Expected digests: sha256 of taskgraph.util.archive.create_tar_from_files(fp, files) with
        // files {name: io.BytesIO(data)} (mode 0o644) or real files of the given mode, Python 3.11.7:
        //   python3 -c 'import io,hashlib; from taskgraph.util.archive import create_tar_from_files as c; \
        //     b=io.BytesIO(); c(b, {"a": io.BytesIO(b"hello\n")}); print(hashlib.sha256(b.getvalue()).hexdigest())'
        let long = "d/".repeat(60) + "file";
        let cases: Vec<(Vec<TarMember>, &str)> = vec![
            (vec![], "84ff92691f909a05b224e1c56abb4864f01b4f8e3c854e4bb4c7baf1d3f6d652"),
            (
                vec![TarMember::bytes(&b"a"[..], 0o644, &b"hello\n"[..])],
                "da310d931bc40344e68b17c3fe0aabb61d5e393f34403d73f1358de841565784",
            ),
            (
                vec![
                    TarMember::bytes(&b"z/run"[..], 0o100755, vec![b'x'; 512]),
                    TarMember::bytes(long.into_bytes(), 0o644, Vec::new()),
                ],
                "8c0509e5e871780e68ebea57e13c2be6f57b5af69d281c22843aa2a94e9a6037",
            ),
        ];
        for (members, expected) in cases {
            assert_eq!(digest(&members), expected);
        }
    }

    #[test]
    fn refuses_setuid() {
        let m = TarMember::bytes(&b"a"[..], 0o4755, Vec::new());
        assert!(write_tar(&mut Vec::new(), &[m]).is_err());
    }
}
