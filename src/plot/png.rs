//! A PNG encoder for 8-bit grey and RGB images (W3C PNG specification, 3rd edition).
//!
//! A PNG file is the 8-byte signature and a list of chunks, each `length · type · data ·
//! CRC-32(type · data)`: `IHDR` (size, bit depth 8, colour type 0 grey or 2 RGB), `IDAT`
//! (the zlib-wrapped scanlines) and `IEND`. Each scanline is one filter byte (0, none) and
//! the row's samples. The zlib stream (RFC 1950) uses deflate's *stored* blocks (RFC 1951
//! §3.2.4): no compression, which keeps the encoder a page long; our images are small.

use crate::image::Image;

/// The CRC-32 of PNG and zlib (polynomial 0xEDB88320, reflected), bit by bit through a
/// 256-entry table.
pub fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    !bytes.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// Adler-32, zlib's checksum of the uncompressed data: two running sums modulo 65521.
pub fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that can be summed before b may overflow 32 bits.
    for chunk in bytes.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

// ANCHOR: zlib_stored
/// Wraps `raw` in a zlib stream of stored deflate blocks (at most 65,535 bytes each).
fn zlib_stored(raw: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01]; // deflate, 32 KiB window; (0x78 << 8 | 0x01) % 31 == 0
    let blocks: Vec<&[u8]> = if raw.is_empty() {
        vec![&[]]
    } else {
        raw.chunks(65_535).collect()
    };
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len())); // BFINAL on the last; BTYPE 00 = stored
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(raw).to_be_bytes());
    out
}
// ANCHOR_END: zlib_stored

/// Encodes an 8-bit grey or RGB image as PNG bytes.
pub fn encode(image: &Image) -> Vec<u8> {
    let color_type = if image.channels == 1 { 0 } else { 2 };
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&(image.width as u32).to_be_bytes());
    header.extend_from_slice(&(image.height as u32).to_be_bytes());
    header.extend_from_slice(&[8, color_type, 0, 0, 0]); // depth, colour, deflate, filter, no interlace
    let row = image.width * image.channels;
    let mut raw = Vec::with_capacity(image.height * (row + 1));
    for y in 0..image.height {
        raw.push(0); // filter type 0: the row as it is
        raw.extend_from_slice(&image.pixels[y * row..(y + 1) * row]);
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}
