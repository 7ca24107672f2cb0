//! Byte-level encoding shared by the shard-state formats: little-endian integers, zero-run
//! length encoding of histogram counts, and a trailing FNV-1a checksum.
//!
//! Every read is bounds-checked and returns [`DecodeError`] instead of panicking, so damaged
//! or hostile input can never crash a merge.

use super::error::DecodeError;

/// FNV-1a 64-bit hash (Fowler, Noll, Vo). Any single changed byte changes the hash for sure:
/// each step `(h ^ byte) · prime` is a bijection of `h` modulo 2^64, so the difference
/// introduced at one byte survives every later step.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// Appends little-endian fields to a byte vector.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    pub(crate) fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub(crate) fn u32(&mut self, value: u32) {
        self.put(&value.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, value: u64) {
        self.put(&value.to_le_bytes());
    }

    pub(crate) fn i128(&mut self, value: i128) {
        self.put(&value.to_le_bytes());
    }

    pub(crate) fn u128(&mut self, value: u128) {
        self.put(&value.to_le_bytes());
    }

    pub(crate) fn f64(&mut self, value: f64) {
        self.u64(value.to_bits());
    }

    /// Appends the checksum of everything written so far and returns the bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let checksum = fnv1a64(&self.bytes);
        self.u64(checksum);
        self.bytes
    }

    /// Writes `counts` as runs: repeated `(zeros: u32, literals: u32)` headers, each followed
    /// by its `literals` non-zero counts (`u64`) and, after each, whatever `payload` writes
    /// for that index (e.g. a bin's sum). Most bins are empty, so zero runs carry the size.
    pub(crate) fn runs(&mut self, counts: &[u64], mut payload: impl FnMut(&mut Writer, usize)) {
        let mut position = 0;
        while position < counts.len() {
            let zeros = counts[position..].iter().take_while(|&&c| c == 0).count();
            let start = position + zeros;
            let literals = counts[start..].iter().take_while(|&&c| c != 0).count();
            self.u32(u32::try_from(zeros).expect("a histogram has fewer than 2^32 cells"));
            self.u32(u32::try_from(literals).expect("a histogram has fewer than 2^32 cells"));
            for (index, &count) in counts.iter().enumerate().skip(start).take(literals) {
                self.u64(count);
                payload(self, index);
            }
            position = start + literals;
        }
    }
}

/// Reads little-endian fields from a byte slice, failing cleanly at its end.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, offset: 0 }
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.offset
    }

    pub(crate) fn take(&mut self, count: usize) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < count {
            return Err(DecodeError::Truncated {
                offset: self.offset,
                needed: count - self.remaining(),
            });
        }
        let slice = &self.bytes[self.offset..self.offset + count];
        self.offset += count;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub(crate) fn i128(&mut self) -> Result<i128, DecodeError> {
        Ok(i128::from_le_bytes(self.array()?))
    }

    pub(crate) fn u128(&mut self) -> Result<u128, DecodeError> {
        Ok(u128::from_le_bytes(self.array()?))
    }

    pub(crate) fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_bits(self.u64()?))
    }

    /// Reads what [`Writer::runs`] wrote into `counts` (which must start zeroed), calling
    /// `payload` after each non-zero count.
    pub(crate) fn runs(
        &mut self,
        counts: &mut [u64],
        mut payload: impl FnMut(&mut Reader<'a>, usize) -> Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        let mut position = 0usize;
        while position < counts.len() {
            let zeros = self.u32()? as usize;
            let literals = self.u32()? as usize;
            if zeros == 0 && literals == 0 {
                return Err(DecodeError::Inconsistent(
                    "an empty run in a histogram".into(),
                ));
            }
            let end = position.saturating_add(zeros).saturating_add(literals);
            if end > counts.len() {
                return Err(DecodeError::Inconsistent(format!(
                    "histogram runs cover {end} cells of {}",
                    counts.len()
                )));
            }
            for (index, slot) in counts
                .iter_mut()
                .enumerate()
                .take(end)
                .skip(position + zeros)
            {
                let count = self.u64()?;
                if count == 0 {
                    return Err(DecodeError::Inconsistent(
                        "a zero count in a literal run".into(),
                    ));
                }
                *slot = count;
                payload(self, index)?;
            }
            position = end;
        }
        Ok(())
    }
}

/// Checks the magic string and version, verifies the trailing checksum, and returns a reader
/// over the body between them.
pub(crate) fn open<'a>(
    bytes: &'a [u8],
    magic: &[u8; 8],
    version: u32,
    expected: &'static str,
) -> Result<Reader<'a>, DecodeError> {
    let mut header = Reader::new(bytes);
    if header
        .take(magic.len())
        .map_err(|_| DecodeError::BadMagic { expected })?
        != magic
    {
        return Err(DecodeError::BadMagic { expected });
    }
    let found = header.u32()?;
    if found != version {
        return Err(DecodeError::UnsupportedVersion {
            found,
            supported: version,
        });
    }
    if header.remaining() < 8 {
        return Err(DecodeError::Truncated {
            offset: bytes.len(),
            needed: 8 - header.remaining(),
        });
    }
    let body_end = bytes.len() - 8;
    let mut trailer = Reader::new(&bytes[body_end..]);
    let stored = trailer.u64()?;
    let computed = fnv1a64(&bytes[..body_end]);
    if stored != computed {
        return Err(DecodeError::ChecksumMismatch { stored, computed });
    }
    Ok(Reader {
        bytes: &bytes[..body_end],
        offset: header.offset,
    })
}

/// Fails unless the reader has consumed its whole body.
pub(crate) fn close(reader: &Reader<'_>) -> Result<(), DecodeError> {
    match reader.remaining() {
        0 => Ok(()),
        count => Err(DecodeError::TrailingBytes { count }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_published_vectors() {
        // Test vectors from the FNV reference (draft-eastlake-fnv): "" and "a".
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn runs_round_trip_with_payloads() {
        let counts = [0, 0, 3, 4, 0, 0, 0, 9, 0];
        let mut writer = Writer::default();
        writer.runs(&counts, |w, i| w.u32(i as u32 * 10));
        let bytes = writer.bytes().to_vec();
        // Three runs: (2 zeros, 2 literals), (3, 1), (1, 0).
        assert_eq!(bytes.len(), 3 * 8 + 3 * (8 + 4));
        let mut decoded = [0u64; 9];
        let mut seen = Vec::new();
        let mut reader = Reader::new(&bytes);
        reader
            .runs(&mut decoded, |r, i| {
                assert_eq!(r.u32()?, i as u32 * 10);
                seen.push(i);
                Ok(())
            })
            .expect("valid runs decode");
        assert_eq!(decoded, counts);
        assert_eq!(seen, [2, 3, 7]);
        assert_eq!(reader.remaining(), 0);
    }

    #[test]
    fn runs_refuse_overlong_and_empty_runs() {
        let mut writer = Writer::default();
        writer.u32(5);
        writer.u32(0);
        let mut counts = [0u64; 4];
        let result = Reader::new(writer.bytes()).runs(&mut counts, |_, _| Ok(()));
        assert!(matches!(result, Err(DecodeError::Inconsistent(_))));

        let mut writer = Writer::default();
        writer.u32(0);
        writer.u32(0);
        let result = Reader::new(writer.bytes()).runs(&mut counts, |_, _| Ok(()));
        assert!(matches!(result, Err(DecodeError::Inconsistent(_))));
    }

    #[test]
    fn open_checks_magic_version_and_checksum() {
        let mut writer = Writer::default();
        writer.put(b"TESTMAGC");
        writer.u32(7);
        writer.u64(42);
        let bytes = writer.finish();
        let mut reader = open(&bytes, b"TESTMAGC", 7, "test").expect("valid");
        assert_eq!(reader.u64(), Ok(42));
        assert!(close(&reader).is_ok());
        assert_eq!(
            open(&bytes, b"OTHERMAG", 7, "test").err(),
            Some(DecodeError::BadMagic { expected: "test" })
        );
        assert_eq!(
            open(&bytes, b"TESTMAGC", 8, "test").err(),
            Some(DecodeError::UnsupportedVersion {
                found: 7,
                supported: 8
            })
        );
        let mut damaged = bytes.clone();
        damaged[13] ^= 1;
        assert!(matches!(
            open(&damaged, b"TESTMAGC", 7, "test"),
            Err(DecodeError::ChecksumMismatch { .. })
        ));
        assert!(open(&bytes[..14], b"TESTMAGC", 7, "test").is_err());
        assert!(open(&bytes[..3], b"TESTMAGC", 7, "test").is_err());
    }
}
