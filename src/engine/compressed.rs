//! An image's compressed size as a registry stores it: each file of
//! `save`'s tar (its layers, config and manifests) gzipped on its own, at
//! gzip's default level, as a registry holds each layer as its own blob.
//! The tar is read as it streams, and a file already compressed under the
//! same name (a layer's digest, so the same content) is counted, not
//! compressed again: most layers are shared between the variants of a
//! project, and between one measure and the next. The sizes are kept in the
//! user's cache directory.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

/// Tar's block: headers and padded file data come in 512-byte blocks.
const BLOCK: usize = 512;

/// How many sizes the cache file keeps, the newest: far more layers than a
/// machine's images hold, in a few hundred kB.
const KEPT: usize = 5000;

/// Compressed sizes of the files already seen, by the name `save` gave
/// them: a digest in an OCI layout (`blobs/sha256/HEX`), where the same name
/// is the same content; `order` has the names oldest first.
#[derive(Debug, Default)]
pub struct LayerSizes {
    sizes: HashMap<String, u64>,
    order: Vec<String>,
}

impl LayerSizes {
    /// The cache file: `$XDG_CACHE_HOME/dockwright/layer-sizes`, else under
    /// `$HOME/.cache`; none without either.
    pub fn default_file() -> Option<PathBuf> {
        let set = |key: &str| {
            std::env::var_os(key)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        set("XDG_CACHE_HOME")
            .or_else(|| set("HOME").map(|home| home.join(".cache")))
            .map(|dir| dir.join("dockwright").join("layer-sizes"))
    }

    /// The sizes kept in `file`, one `NAME SIZE` a line; none when it is
    /// missing or unreadable, since they are only a cache.
    pub fn load(file: &Path) -> LayerSizes {
        let mut known = LayerSizes::default();
        for line in std::fs::read_to_string(file).unwrap_or_default().lines() {
            if let Some((name, size)) = line.split_once(' ') {
                if let (true, Ok(size)) = (LayerSizes::keyed(name), size.parse()) {
                    known.insert(name.to_string(), size);
                }
            }
        }
        known
    }

    /// Writes the newest `KEPT` sizes to `file`, whole or not at all.
    pub fn save(&self, file: &Path) -> io::Result<()> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let skip = self.order.len().saturating_sub(KEPT);
        let text: String = self.order[skip..]
            .iter()
            .map(|name| format!("{name} {}\n", self.sizes[name]))
            .collect();
        crate::atomic::write(file, text.as_bytes())
    }

    fn insert(&mut self, name: String, size: u64) {
        if self.sizes.insert(name.clone(), size).is_none() {
            self.order.push(name);
        }
    }

    /// Whether `name` names its content, so that its size can be kept.
    fn keyed(name: &str) -> bool {
        name.strip_prefix("blobs/sha256/")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    }
}

/// A `Write` that takes `save`'s tar stream and adds up the compressed
/// sizes of the files in it.
pub struct Sizer<'a> {
    known: &'a mut LayerSizes,
    header: Vec<u8>,
    /// The file being read: its name, the bytes of it still to come, its
    /// padding after them, and its compressor unless its size is known.
    entry: Option<Entry>,
    total: u64,
}

struct Entry {
    name: String,
    left: u64,
    padding: u64,
    gzip: Option<GzEncoder<Counter>>,
}

impl<'a> Sizer<'a> {
    pub fn new(known: &'a mut LayerSizes) -> Sizer<'a> {
        Sizer {
            known,
            header: Vec::with_capacity(BLOCK),
            entry: None,
            total: 0,
        }
    }

    /// The compressed size of everything written so far; `Err` when the
    /// stream stopped in the middle of a file.
    pub fn finish(self) -> io::Result<u64> {
        match self.entry {
            Some(entry) => Err(invalid(format!(
                "`save` stopped in the middle of `{}`",
                entry.name
            ))),
            None => Ok(self.total),
        }
    }

    /// Starts the file whose header is in `self.header`.
    fn start(&mut self) -> io::Result<()> {
        let header = std::mem::take(&mut self.header);
        if header.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let size = octal(&header[124..136])?;
        let name = name(&header);
        let padding = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        let gzip = match self.known.sizes.get(&name) {
            Some(&bytes) => {
                self.total += bytes;
                None
            }
            None => Some(GzEncoder::new(Counter(0), Compression::default())),
        };
        self.entry = Some(Entry {
            name,
            left: size,
            padding,
            gzip,
        });
        self.end_if_done()
    }

    /// Closes the current file once its data and padding are read.
    fn end_if_done(&mut self) -> io::Result<()> {
        let done = self
            .entry
            .as_ref()
            .is_some_and(|e| e.left == 0 && e.padding == 0);
        if !done {
            return Ok(());
        }
        let Some(entry) = self.entry.take() else {
            return Ok(());
        };
        if let Some(gzip) = entry.gzip {
            let bytes = gzip.finish()?.0;
            self.total += bytes;
            if LayerSizes::keyed(&entry.name) {
                self.known.insert(entry.name, bytes);
            }
        }
        Ok(())
    }
}

impl Write for Sizer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            match &mut self.entry {
                None => {
                    let take = rest.len().min(BLOCK - self.header.len());
                    self.header.extend_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    if self.header.len() == BLOCK {
                        self.start()?;
                    }
                }
                Some(entry) if entry.left > 0 => {
                    let take = rest
                        .len()
                        .min(usize::try_from(entry.left).unwrap_or(usize::MAX));
                    if let Some(gzip) = &mut entry.gzip {
                        gzip.write_all(&rest[..take])?;
                    }
                    entry.left -= take as u64;
                    rest = &rest[take..];
                    self.end_if_done()?;
                }
                Some(entry) => {
                    let take = rest
                        .len()
                        .min(usize::try_from(entry.padding).unwrap_or(usize::MAX));
                    entry.padding -= take as u64;
                    rest = &rest[take..];
                    self.end_if_done()?;
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A tar header's name: its `prefix` field (ustar) joined to its `name`.
fn name(header: &[u8]) -> String {
    let field = |bytes: &[u8]| {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    };
    let name = field(&header[0..100]);
    let prefix = if &header[257..262] == b"ustar" {
        field(&header[345..500])
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// A tar size field: octal digits, or base-256 when its first bit is set.
fn octal(field: &[u8]) -> io::Result<u64> {
    if field[0] & 0x80 != 0 {
        let mut value = u64::from(field[0] & 0x7f);
        for &byte in &field[1..] {
            value = value
                .checked_mul(256)
                .and_then(|v| v.checked_add(u64::from(byte)))
                .ok_or_else(|| invalid("a tar size too large".to_string()))?;
        }
        return Ok(value);
    }
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| !matches!(c, '\0' | ' '))
        .collect();
    u64::from_str_radix(&digits, 8).map_err(|_| {
        invalid(format!(
            "`save` gave a tar size that is not a number: {digits:?}"
        ))
    })
}

fn invalid(detail: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, detail)
}

/// Counts the bytes written to it.
pub struct Counter(pub u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar holding `files`, as `save` would stream it.
    fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut header = tar::Header::new_ustar();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn gzipped(data: &[u8]) -> u64 {
        let mut gzip = GzEncoder::new(Counter(0), Compression::default());
        gzip.write_all(data).unwrap();
        gzip.finish().unwrap().0
    }

    /// Bytes that compress somewhat, like a layer's files.
    fn layer(seed: u8, len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i % 251) as u8 ^ seed ^ ((i / 4096) as u8))
            .collect()
    }

    const DIGEST: &str =
        "blobs/sha256/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn sized(stream: &[u8], known: &mut LayerSizes, chunk: usize) -> u64 {
        let mut sizer = Sizer::new(known);
        for part in stream.chunks(chunk) {
            sizer.write_all(part).unwrap();
        }
        sizer.finish().unwrap()
    }

    #[test]
    fn each_file_is_gzipped_on_its_own_however_the_stream_is_cut() {
        let (a, b) = (layer(1, 300_001), b"{\"config\":true}".to_vec());
        let stream = tar(&[(DIGEST, &a), ("manifest.json", &b)]);
        let expected = gzipped(&a) + gzipped(&b);
        for chunk in [1, 511, 512, 513, 65_536, stream.len()] {
            assert_eq!(
                sized(&stream, &mut LayerSizes::default(), chunk),
                expected,
                "{chunk}"
            );
        }
    }

    #[test]
    fn a_layer_seen_before_is_counted_without_being_read_again() {
        let a = layer(2, 100_000);
        let mut known = LayerSizes::default();
        let first = sized(&tar(&[(DIGEST, &a)]), &mut known, 4096);
        assert_eq!(known.sizes.get(DIGEST), Some(&gzipped(&a)));
        // The same name now counts what was kept, whatever the bytes.
        let zeros = vec![0u8; a.len()];
        assert_eq!(sized(&tar(&[(DIGEST, &zeros)]), &mut known, 4096), first);
        // A name that is not a digest is compressed every time.
        let mut known = LayerSizes::default();
        sized(&tar(&[("index.json", &a)]), &mut known, 4096);
        assert!(known.sizes.is_empty());
    }

    #[test]
    fn the_sum_agrees_with_gzip_of_the_whole_save_within_two_percent() {
        let (a, b) = (layer(3, 2_000_000), layer(4, 700_000));
        let stream = tar(&[
            (DIGEST, &a),
            (
                "blobs/sha256/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                &b,
            ),
            ("index.json", b"{}"),
        ]);
        let whole = gzipped(&stream) as f64;
        let apart = sized(&stream, &mut LayerSizes::default(), 8192) as f64;
        assert!((apart - whole).abs() / whole < 0.02, "{apart} vs {whole}");
    }

    #[test]
    fn sizes_kept_in_a_file_are_known_to_the_next_run_the_newest_first_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache/dockwright/layer-sizes");
        let mut known = LayerSizes::default();
        for i in 0..KEPT + 2 {
            known.insert(format!("blobs/sha256/{i:064x}"), i as u64);
        }
        known.save(&file).unwrap();
        let again = LayerSizes::load(&file);
        assert_eq!(again.sizes.len(), KEPT);
        assert_eq!(again.sizes.get(&format!("blobs/sha256/{:064x}", 0)), None);
        let newest = format!("blobs/sha256/{:064x}", KEPT + 1);
        assert_eq!(again.sizes.get(&newest), Some(&((KEPT + 1) as u64)));
        // Lines that are not a digest and a size are ignored, as is no file.
        std::fs::write(&file, format!("index.json 3\n{DIGEST} x\n{DIGEST} 7\n")).unwrap();
        assert_eq!(
            LayerSizes::load(&file)
                .sizes
                .into_iter()
                .collect::<Vec<_>>(),
            [(DIGEST.to_string(), 7)]
        );
        assert!(LayerSizes::load(&dir.path().join("none")).sizes.is_empty());
    }

    #[test]
    fn a_stream_cut_in_the_middle_of_a_file_is_an_error() {
        let stream = tar(&[(DIGEST, &layer(5, 10_000))]);
        let mut known = LayerSizes::default();
        let mut sizer = Sizer::new(&mut known);
        sizer.write_all(&stream[..3000]).unwrap();
        assert!(sizer.finish().is_err());
    }
}
