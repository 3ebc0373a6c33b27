//! Conversions between [`Ump`] and the `midi2` crate's packet and message
//! types, behind the `midi2` cargo feature (off by default).
//!
//! Both directions are `TryFrom` and go through the words, so the two
//! sides cannot disagree about them:
//!
//! * The packet type of each of `midi2`'s message type modules
//!   (`midi2::channel_voice2::Packet`, `midi2::sysex7::Packet`, … eight in
//!   all) ⇄ [`Ump`]: one packet each way; a packet of another message type
//!   (or a reserved one, which `midi2` does not model) gives
//!   [`UmpError::Foreign`] with `midi2`'s reason. (`midi2`'s packet
//!   iterator yields a packet enum its API does not name; it derefs to the
//!   words, which [`Ump::parse`] reads.)
//! * [`midi2::UmpMessage<&[u32]>`](midi2::UmpMessage) from `&Ump`, and
//!   [`Ump`] from a `&midi2::UmpMessage` of one packet. A `midi2` message
//!   may span several packets (a whole SysEx); read its words with
//!   [`UmpReader`](super::UmpReader) instead:
//!   `UmpReader::new(message.data())`.

use midi2::Data as _;

use super::error::UmpError;
use super::packet::Ump;

fn foreign(err: midi2::error::InvalidData) -> UmpError {
    UmpError::Foreign { reason: err.0 }
}

/// `TryFrom` both ways between [`Ump`] and one of `midi2`'s packet types.
macro_rules! packet_conversions {
    ($($module:ident),*) => {$(
        impl TryFrom<Ump> for midi2::$module::Packet {
            type Error = UmpError;

            /// The packet's words; `midi2` refuses a packet of another
            /// message type.
            fn try_from(packet: Ump) -> Result<Self, UmpError> {
                midi2::$module::Packet::try_from(packet.words()).map_err(foreign)
            }
        }

        impl TryFrom<&midi2::$module::Packet> for Ump {
            type Error = UmpError;

            /// The packet's words, parsed by [`Ump::parse`].
            fn try_from(packet: &midi2::$module::Packet) -> Result<Self, UmpError> {
                Ump::parse(packet)
            }
        }
    )*};
}

packet_conversions!(
    utility,
    system_common,
    channel_voice1,
    sysex7,
    channel_voice2,
    sysex8,
    flex_data,
    ump_stream
);

impl<'a> TryFrom<&'a Ump> for midi2::UmpMessage<&'a [u32]> {
    type Error = UmpError;

    /// ```
    /// use bbx_midi::ump::Ump;
    ///
    /// let ours = Ump::parse(&[0x40B0_0700, 0xFFFF_FFFF])?;
    /// let theirs = midi2::UmpMessage::try_from(&ours)?;
    /// assert!(matches!(theirs, midi2::UmpMessage::ChannelVoice2(_)));
    /// assert_eq!(Ump::try_from(&theirs)?, ours);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn try_from(packet: &'a Ump) -> Result<Self, UmpError> {
        midi2::UmpMessage::try_from(packet.words()).map_err(foreign)
    }
}

impl<B: midi2::buffer::Ump> TryFrom<&midi2::UmpMessage<B>> for Ump {
    type Error = UmpError;

    /// A message of exactly one packet; a longer one is
    /// [`UmpError::TooLong`].
    fn try_from(message: &midi2::UmpMessage<B>) -> Result<Self, UmpError> {
        Ump::parse(message.data())
    }
}
