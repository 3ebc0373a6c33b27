//! The packet: one to four 32-bit words, sized by its message type.

use core::fmt::{self, Write as _};
use core::ops::Deref;

use super::error::UmpError;

/// One Universal MIDI Packet: 1, 2, 3 or 4 words of 32 bits.
///
/// The size follows from the message type (MT), the top four bits of the
/// first word (M2-104-UM v1.1, "Message Types"; the table of packet sizes):
///
/// | MT | words | what |
/// |---|---|---|
/// | `0x0` | 1 | utility (NOOP, jitter reduction, delta clockstamps) |
/// | `0x1` | 1 | system common and real time |
/// | `0x2` | 1 | MIDI 1.0 channel voice |
/// | `0x3` | 2 | data: SysEx7 |
/// | `0x4` | 2 | MIDI 2.0 channel voice |
/// | `0x5` | 4 | data: SysEx8 and mixed data set |
/// | `0x6`, `0x7` | 1 | reserved |
/// | `0x8`, `0x9`, `0xA` | 2 | reserved |
/// | `0xB`, `0xC` | 3 | reserved |
/// | `0xD` | 4 | flex data |
/// | `0xE` | 4 | reserved |
/// | `0xF` | 4 | UMP stream |
///
/// Packets of the reserved types are kept whole, so that a device can pass
/// on what it does not understand.
///
/// `Ump` is `Copy`, 16 bytes and 4-aligned with no padding: four `u32`s,
/// the words past the packet's size always zero, so that the derived `Eq`
/// and `Hash` compare packets and a ring buffer can carry one in a single
/// 16-byte slot. The only ways to make one check the words:
/// [`Ump::parse`], [`UmpReader`] and the typed views' constructors.
///
/// ```
/// use bbx_midi::ump::Ump;
///
/// // A MIDI 2.0 Note On, group 0, channel 0, note 60, velocity 0xC000.
/// let packet = Ump::parse(&[0x4090_3C00, 0xC000_0000])?;
/// assert_eq!(packet.message_type(), 0x4);
/// assert_eq!(packet.group(), Some(0));
/// assert_eq!(packet.len(), 2);
/// assert_eq!(packet.words(), &[0x4090_3C00, 0xC000_0000]);
/// assert_eq!(size_of::<Ump>(), 16);
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Ump {
    /// The packet's words, then zeros up to four: `words[len..]` is all
    /// zero, with `len` given by the message type of `words[0]`.
    words: [u32; 4],
}

const _: () = assert!(size_of::<Ump>() == 16 && align_of::<Ump>() == 4);

/// The number of words a packet of message type `message_type` has.
///
/// Only the low four bits of `message_type` are read.
///
/// ```
/// use bbx_midi::ump::packet_len;
///
/// assert_eq!(packet_len(0x2), 1);
/// assert_eq!(packet_len(0x4), 2);
/// assert_eq!(packet_len(0xB), 3);
/// assert_eq!(packet_len(0xF), 4);
/// ```
#[inline]
pub const fn packet_len(message_type: u8) -> usize {
    match message_type & 0xF {
        0x0..=0x2 | 0x6 | 0x7 => 1,
        0x3 | 0x4 | 0x8..=0xA => 2,
        0xB | 0xC => 3,
        _ => 4,
    }
}

impl Ump {
    /// Builds a packet from words that are known to be well formed: the
    /// words past the packet's size must be zero (debug builds check).
    #[inline]
    pub(crate) const fn from_words_unchecked(words: [u32; 4]) -> Self {
        debug_assert!(zero_past(&words, packet_len((words[0] >> 28) as u8)));
        Self { words }
    }

    /// Builds the one-word packet `word`, whose message type must be a
    /// one-word type.
    #[inline]
    pub(crate) const fn one(word: u32) -> Self {
        Self::from_words_unchecked([word, 0, 0, 0])
    }

    /// Builds a two-word packet; the message type must be a two-word type.
    #[inline]
    pub(crate) const fn two(word0: u32, word1: u32) -> Self {
        Self::from_words_unchecked([word0, word1, 0, 0])
    }

    /// Parses exactly one packet: `words` must hold exactly the number of
    /// words its message type requires.
    ///
    /// Never allocates, never panics. Any message type is accepted,
    /// reserved ones included; what the words mean is checked by the typed
    /// views ([`Ump::message`]).
    ///
    /// # Errors
    ///
    /// [`UmpError::Empty`], [`Truncated`](UmpError::Truncated) and
    /// [`TooLong`](UmpError::TooLong).
    ///
    /// ```
    /// use bbx_midi::ump::{Ump, UmpError};
    ///
    /// assert_eq!(Ump::parse(&[0x2090_3C64])?.words(), &[0x2090_3C64]);
    /// assert_eq!(Ump::parse(&[]), Err(UmpError::Empty));
    /// assert_eq!(
    ///     Ump::parse(&[0x2090_3C64, 0]),
    ///     Err(UmpError::TooLong { message_type: 2, expected: 1, found: 2 })
    /// );
    /// # Ok::<(), UmpError>(())
    /// ```
    #[inline]
    pub const fn parse(words: &[u32]) -> Result<Self, UmpError> {
        match Self::read(words) {
            Ok(packet) if packet.len() == words.len() => Ok(packet),
            Ok(packet) => Err(UmpError::TooLong {
                message_type: packet.message_type(),
                expected: packet.len(),
                found: words.len(),
            }),
            Err(err) => Err(err),
        }
    }

    /// Reads the packet at the start of `words`; the words after it are
    /// left for the next read.
    ///
    /// # Errors
    ///
    /// [`UmpError::Empty`] and [`Truncated`](UmpError::Truncated).
    ///
    /// ```
    /// use bbx_midi::ump::Ump;
    ///
    /// let words = [0x2090_3C64, 0x4080_3C00, 0x8000_0000];
    /// let first = Ump::read(&words)?;
    /// assert_eq!(first.len(), 1);
    /// let second = Ump::read(&words[first.len()..])?;
    /// assert_eq!(second.words(), &words[1..]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn read(words: &[u32]) -> Result<Self, UmpError> {
        let [first, ..] = *words else {
            return Err(UmpError::Empty);
        };
        let message_type = (first >> 28) as u8;
        let len = packet_len(message_type);
        if words.len() < len {
            return Err(UmpError::Truncated {
                message_type,
                expected: len,
                found: words.len(),
            });
        }
        let mut packet = [0u32; 4];
        let mut i = 0;
        while i < len {
            packet[i] = words[i];
            i += 1;
        }
        Ok(Self { words: packet })
    }

    /// The message type (MT): the top four bits of the first word, 0 to 15.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Ump::parse(&[0x1FF8_0000])?.message_type(), 0x1);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn message_type(&self) -> u8 {
        (self.words[0] >> 28) as u8
    }

    /// The group, 0 to 15 (shown 1 to 16 to users), or `None` for the
    /// groupless message types: utility (`0x0`) and UMP stream (`0xF`), as
    /// in UMP 1.1. For the reserved types it is the nibble where every
    /// grouped type keeps its group (bits 27–24 of the first word).
    ///
    /// ```
    /// use bbx_midi::ump::Ump;
    ///
    /// assert_eq!(Ump::parse(&[0x2590_3C64])?.group(), Some(5));
    /// assert_eq!(Ump::parse(&[0x0000_0000])?.group(), None);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn group(&self) -> Option<u8> {
        match self.message_type() {
            0x0 | 0xF => None,
            _ => Some(((self.words[0] >> 24) & 0xF) as u8),
        }
    }

    /// The packet's words: exactly [`len`](Self::len) of them.
    ///
    /// ```
    /// let packet = bbx_midi::ump::Ump::parse(&[0x3016_0102, 0x0304_0506])?;
    /// assert_eq!(packet.words(), &[0x3016_0102, 0x0304_0506]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn words(&self) -> &[u32] {
        self.words.split_at(self.len()).0
    }

    /// The number of words, 1 to 4, given by the message type.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Ump::parse(&[0xF000_0101, 0, 0, 0])?.len(), 4);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    #[allow(
        clippy::len_without_is_empty,
        reason = "a packet always has 1 to 4 words"
    )]
    pub const fn len(&self) -> usize {
        packet_len(self.message_type())
    }

    /// The words padded with zeros to four, as stored: the form a ring
    /// buffer or an `[u32; 4]` API carries.
    ///
    /// ```
    /// let packet = bbx_midi::ump::Ump::parse(&[0x2090_3C64])?;
    /// assert_eq!(packet.to_array(), [0x2090_3C64, 0, 0, 0]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn to_array(&self) -> [u32; 4] {
        self.words
    }

    /// The word at `index`, 0 if past the packet.
    #[inline]
    pub(crate) const fn word(&self, index: usize) -> u32 {
        self.words[index]
    }
}

/// Whether the words past `len` are all zero.
const fn zero_past(words: &[u32; 4], len: usize) -> bool {
    let mut i = len;
    while i < 4 {
        if words[i] != 0 {
            return false;
        }
        i += 1;
    }
    true
}

impl TryFrom<&[u32]> for Ump {
    type Error = UmpError;

    /// [`Ump::parse`]: exactly one packet.
    #[inline]
    fn try_from(words: &[u32]) -> Result<Self, UmpError> {
        Self::parse(words)
    }
}

impl Deref for Ump {
    type Target = [u32];

    /// [`Ump::words`].
    #[inline]
    fn deref(&self) -> &[u32] {
        self.words()
    }
}

impl fmt::Display for Ump {
    /// The packet decoded as [`Ump::message`] classifies it: the
    /// [`Display`](fmt::Display) of its view, such as
    /// `NoteOn g1 ch1 C4 vel 0x8000`, or for a packet no view accepts (a
    /// reserved message type, a reserved status, reserved bits set)
    /// `Other` and its words in hexadecimal, `Other [60000000]`. Groups are
    /// shown 1 to 16, as channels are; see the [module](super) for the
    /// conventions.
    ///
    /// ```
    /// use bbx_midi::ump::Ump;
    ///
    /// let note = Ump::parse(&[0x4090_3C00, 0xC924_0000])?;
    /// assert_eq!(note.to_string(), "NoteOn g1 ch1 C4 vel 0xC924");
    /// assert_eq!(Ump::parse(&[0x6000_0000])?.to_string(), "Other [60000000]");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.message(), f)
    }
}

impl fmt::Debug for Ump {
    /// The decoded packet and its words in hexadecimal, as
    /// [`MidiMessage`](crate::MidiMessage)'s `Debug` shows its description
    /// and wire bytes: `Ump(NoteOn g1 ch1 C4 vel 0xC924 [40903C00 C9240000])`;
    /// `Ump(Other [60000000])` for a packet no view accepts.
    ///
    /// ```
    /// use bbx_midi::ump::Ump;
    ///
    /// let note = Ump::parse(&[0x4090_3C00, 0xC924_0000])?;
    /// assert_eq!(format!("{note:?}"), "Ump(NoteOn g1 ch1 C4 vel 0xC924 [40903C00 C9240000])");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_view(f, "Ump", self, |f| self.message().describe(f, true))
    }
}

/// A packet's words in hexadecimal, as `Debug` shows them:
/// `[40903C00 C9240000]`.
pub(crate) struct Words<'a>(pub(crate) &'a [u32]);

impl fmt::Display for Words<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, word) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            write!(f, "{sep}{word:08X}")?;
        }
        f.write_str("]")
    }
}

/// Writes `Name(description [words])`: the `Debug` of a packet and of its
/// views, which shows what the packet means and the bits it is made of,
/// without the view's wrapper nested inside.
pub(crate) fn debug_view(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    packet: &Ump,
    describe: impl FnOnce(&mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    write!(f, "{name}(")?;
    describe(f)?;
    write!(f, " {})", Words(packet.words()))
}

/// Text carried in packets (names, lyrics), quoted: UTF-8 as characters
/// with quotes, backslashes and control characters escaped as Rust
/// escapes them, and
/// each byte that is not UTF-8 as `\xNN`, since a text split across
/// packets may split a character too.
pub(crate) struct Text<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                // Only what would break the quoting or the line; an
                // apostrophe or an accent stays as written.
                if c.is_control() || c == '"' || c == '\\' {
                    write!(f, "{}", c.escape_debug())?;
                } else {
                    f.write_char(c)?;
                }
            }
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02X}")?;
            }
        }
        f.write_str("\"")
    }
}

/// `bytes` without the zero bytes that pad the end of a text field.
pub(crate) fn trim_padding(bytes: &[u8]) -> &[u8] {
    let len = bytes
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last + 1);
    &bytes[..len]
}

/// Reads packets one after the other from a stream of words.
///
/// Yields each packet, or the error that ends the stream: a stream whose
/// last packet is cut short yields [`UmpError::Truncated`] once, then
/// nothing. An empty stream yields nothing. Never allocates, never panics.
///
/// ```
/// use bbx_midi::ump::{Ump, UmpError, UmpReader};
///
/// let words = [0x2090_3C64, 0x4090_3C00, 0xFFFF_0000, 0xF000_0101];
/// let mut reader = UmpReader::new(&words);
/// assert_eq!(reader.next(), Some(Ump::parse(&words[..1])));
/// assert_eq!(reader.next(), Some(Ump::parse(&words[1..3])));
/// assert_eq!(
///     reader.next(),
///     Some(Err(UmpError::Truncated { message_type: 0xF, expected: 4, found: 1 }))
/// );
/// assert_eq!(reader.next(), None);
/// assert_eq!(reader.remaining(), &[0xF000_0101]);
/// ```
#[derive(Clone, Debug)]
pub struct UmpReader<'a> {
    /// The words not read yet. After an error, the words that were left.
    words: &'a [u32],
    /// An error was returned: the stream is over.
    failed: bool,
}

impl<'a> UmpReader<'a> {
    /// A reader at the start of `words`.
    ///
    /// ```
    /// let reader = bbx_midi::ump::UmpReader::new(&[0x2090_3C64]);
    /// assert_eq!(reader.count(), 1);
    /// ```
    #[inline]
    pub const fn new(words: &'a [u32]) -> Self {
        Self {
            words,
            failed: false,
        }
    }

    /// The words not read: after a truncated tail, the tail.
    ///
    /// ```
    /// let mut reader = bbx_midi::ump::UmpReader::new(&[0x2090_3C64, 0x4090_3C00]);
    /// let _ = reader.next();
    /// assert_eq!(reader.remaining(), &[0x4090_3C00]);
    /// ```
    #[inline]
    pub const fn remaining(&self) -> &'a [u32] {
        self.words
    }
}

impl Iterator for UmpReader<'_> {
    type Item = Result<Ump, UmpError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.words.is_empty() {
            return None;
        }
        match Ump::read(self.words) {
            Ok(packet) => {
                self.words = &self.words[packet.len()..];
                Some(Ok(packet))
            }
            Err(err) => {
                self.failed = true;
                Some(Err(err))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.failed || self.words.is_empty() {
            (0, Some(0))
        } else {
            (1, Some(self.words.len()))
        }
    }
}

impl core::iter::FusedIterator for UmpReader<'_> {}

/// Up to 14 payload bytes read out of a packet (SysEx7 and SysEx8 data,
/// flex data text, names), in order. Derefs to the bytes.
///
/// ```
/// use bbx_midi::ump::{SysEx7, SysExStatus};
///
/// let packet = SysEx7::new(0, SysExStatus::Complete, &[0x7E, 0x7F, 0x06, 0x01])?;
/// assert_eq!(&*packet.data(), &[0x7E, 0x7F, 0x06, 0x01]);
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct PacketBytes {
    /// The bytes, then zeros: `bytes[len..]` is all zero.
    bytes: [u8; 14],
    /// At most 14.
    len: u8,
}

impl PacketBytes {
    /// `count` bytes of the packet read as big-endian bytes, from byte
    /// `first` (byte 0 is the top byte of word 0).
    pub(crate) fn gather(packet: &Ump, first: usize, count: usize) -> Self {
        let mut bytes = [0u8; 14];
        for (i, slot) in bytes.iter_mut().enumerate().take(count.min(14)) {
            *slot = byte_at(packet, first + i);
        }
        Self {
            bytes,
            len: count.min(14) as u8,
        }
    }

    /// The bytes, as a slice.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx7, SysExStatus};
    ///
    /// let p = SysEx7::new(0, SysExStatus::Complete, &[1, 2])?;
    /// assert_eq!(p.data().as_slice(), &[1, 2]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl Deref for PacketBytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl fmt::Debug for PacketBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// The byte at `index` of the packet read as big-endian bytes: byte 0 is
/// the top byte of word 0.
#[inline]
pub(crate) fn byte_at(packet: &Ump, index: usize) -> u8 {
    (packet.word(index / 4) >> (24 - 8 * (index % 4))) as u8
}

/// Writes `byte` at big-endian byte `index` of `words`.
#[inline]
pub(crate) fn put_byte(words: &mut [u32; 4], index: usize, byte: u8) {
    words[index / 4] |= u32::from(byte) << (24 - 8 * (index % 4));
}
