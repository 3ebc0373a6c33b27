//! MIDI in and out through `midir` (ALSA, Core MIDI, Windows MIDI, JACK).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use midir::{Ignore, MidiInput, MidiInputConnection, MidiOutput};

use super::Sender;
use crate::{MidiClock, MidiStream, StreamSource};

/// Which port to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Port {
    /// The first port listed.
    First,
    /// The port at this place in the list (from 0).
    Index(usize),
    /// The first port whose name contains this text.
    Name(String),
}

impl From<&str> for Port {
    /// A number is an index, anything else part of a name.
    ///
    /// ```
    /// use bbx_midi::io::midir::Port;
    /// assert_eq!(Port::from("2"), Port::Index(2));
    /// assert_eq!(Port::from("Keystation"), Port::Name("Keystation".into()));
    /// ```
    fn from(text: &str) -> Self {
        match text.parse() {
            Ok(index) => Port::Index(index),
            Err(_) => Port::Name(text.to_owned()),
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::First => f.write_str("the first port"),
            Port::Index(i) => write!(f, "port {i}"),
            Port::Name(name) => write!(f, "a port named like {name:?}"),
        }
    }
}

/// Why a port could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// The system's MIDI service could not be reached (on Linux: no ALSA
    /// sequencer, `/dev/snd/seq`).
    NoMidiSystem(String),
    /// No port is the one asked for; the ports there are, by name.
    NoPort {
        /// What was asked for.
        wanted: Port,
        /// The ports listed.
        available: Vec<String>,
    },
    /// The port was found but would not open.
    Connect {
        /// Its name.
        port: String,
        /// What the system said.
        reason: String,
    },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::NoMidiSystem(reason) => write!(f, "no MIDI system: {reason}"),
            OpenError::NoPort { wanted, available } if available.is_empty() => {
                write!(f, "no MIDI port at all (wanted {wanted})")
            }
            OpenError::NoPort { wanted, available } => {
                write!(f, "no {wanted} among {}", available.join(", "))
            }
            OpenError::Connect { port, reason } => write!(f, "cannot open {port:?}: {reason}"),
        }
    }
}

impl std::error::Error for OpenError {}

/// Picks the port `wanted` names from `names`.
fn pick(wanted: &Port, names: &[String]) -> Option<usize> {
    match wanted {
        Port::First => (!names.is_empty()).then_some(0),
        Port::Index(i) => (*i < names.len()).then_some(*i),
        Port::Name(part) => names.iter().position(|name| name.contains(part.as_str())),
    }
}

/// The input ports there are, by name.
///
/// # Errors
///
/// [`OpenError::NoMidiSystem`] when there is no MIDI service to ask.
pub fn input_ports(client_name: &str) -> Result<Vec<String>, OpenError> {
    let input = MidiInput::new(client_name).map_err(|e| OpenError::NoMidiSystem(e.to_string()))?;
    Ok(input
        .ports()
        .iter()
        .map(|p| input.port_name(p).unwrap_or_default())
        .collect())
}

/// The output ports there are, by name.
///
/// # Errors
///
/// [`OpenError::NoMidiSystem`] when there is no MIDI service to ask.
pub fn output_ports(client_name: &str) -> Result<Vec<String>, OpenError> {
    let output =
        MidiOutput::new(client_name).map_err(|e| OpenError::NoMidiSystem(e.to_string()))?;
    Ok(output
        .ports()
        .iter()
        .map(|p| output.port_name(p).unwrap_or_default())
        .collect())
}

/// A MIDI input port feeding a [`StreamSource`]: each message is stamped
/// on the shared [`MidiClock`] as `midir`'s callback receives it and sent
/// with [`try_send_bytes_at`](StreamSource::try_send_bytes_at), SysEx in
/// the pieces `midir` delivers (whole, or 1024 bytes at a time on
/// Windows), real-time and active sensing included. A full source reports
/// the loss in the stream; bytes that are not MIDI are refused and
/// counted ([`refused`](Self::refused)).
///
/// Closing it (or dropping it) drops the source: the stream reports the
/// source's end after everything it sent, so the audio thread can release
/// its notes.
pub struct MidirInput {
    connection: MidiInputConnection<()>,
    name: String,
    refused: Arc<AtomicU64>,
}

impl MidirInput {
    /// Opens `port` as the client `client_name`.
    ///
    /// # Errors
    ///
    /// [`OpenError`]: no MIDI system, no such port (the ports there are
    /// come with it), or the port would not open.
    pub fn open(
        client_name: &str,
        port: &Port,
        mut source: StreamSource,
        clock: MidiClock,
    ) -> Result<Self, OpenError> {
        let mut input =
            MidiInput::new(client_name).map_err(|e| OpenError::NoMidiSystem(e.to_string()))?;
        // Everything the stream takes: SysEx, clock and active sensing too.
        input.ignore(Ignore::None);
        let ports = input.ports();
        let names: Vec<String> = ports
            .iter()
            .map(|p| input.port_name(p).unwrap_or_default())
            .collect();
        let Some(index) = pick(port, &names) else {
            return Err(OpenError::NoPort {
                wanted: port.clone(),
                available: names,
            });
        };
        let refused = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&refused);
        let name = names[index].clone();
        let connection = input
            .connect(
                &ports[index],
                "bbx_midi-in",
                move |_, bytes, _| {
                    if let Err(crate::SendError::Invalid(_) | crate::SendError::InvalidUmp(_)) =
                        source.try_send_bytes_at(bytes, clock.now_us())
                    {
                        // Relaxed: a statistic, read alone.
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                },
                (),
            )
            .map_err(|e| OpenError::Connect {
                port: name.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            connection,
            name,
            refused,
        })
    }

    /// The port's name.
    pub fn port_name(&self) -> &str {
        &self.name
    }

    /// Bytes the port delivered that were not MIDI (and were refused).
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Closes the port; its source is dropped with the callback.
    pub fn close(self) {
        let _ = self.connection.close();
    }
}

impl fmt::Debug for MidirInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MidirInput")
            .field("port", &self.name)
            .finish_non_exhaustive()
    }
}

/// A MIDI output port fed from the audio thread: a [`Sender`] thread takes
/// each event of `stream` when it is due (its stamp plus `delay_us` on
/// `clock`) and sends it through `midir`. See [`Sender`] for the timing;
/// [`stats`](Sender::stats) reports how late the events went out (p50,
/// p99) and what was lost on the way.
///
/// # Errors
///
/// [`OpenError`]: no MIDI system, no such port, or the port would not
/// open.
pub fn open_output(
    client_name: &str,
    port: &Port,
    stream: MidiStream,
    clock: MidiClock,
    delay_us: u32,
) -> Result<(Sender, String), OpenError> {
    let output =
        MidiOutput::new(client_name).map_err(|e| OpenError::NoMidiSystem(e.to_string()))?;
    let ports = output.ports();
    let names: Vec<String> = ports
        .iter()
        .map(|p| output.port_name(p).unwrap_or_default())
        .collect();
    let Some(index) = pick(port, &names) else {
        return Err(OpenError::NoPort {
            wanted: port.clone(),
            available: names,
        });
    };
    let name = names[index].clone();
    let mut connection =
        output
            .connect(&ports[index], "bbx_midi-out")
            .map_err(|e| OpenError::Connect {
                port: name.clone(),
                reason: e.to_string(),
            })?;
    let sender = Sender::spawn(stream, clock, delay_us, move |bytes: &[u8]| {
        connection.send(bytes).is_ok()
    });
    Ok((sender, name))
}

#[cfg(test)]
mod tests {
    use super::{Port, pick};

    #[test]
    fn ports_are_picked_by_index_or_by_part_of_their_name() {
        let names = ["Midi Through".to_string(), "Keystation 49".to_string()];
        assert_eq!(pick(&Port::First, &names), Some(0));
        assert_eq!(pick(&Port::Index(1), &names), Some(1));
        assert_eq!(pick(&Port::Index(2), &names), None);
        assert_eq!(pick(&Port::Name("Keystation".into()), &names), Some(1));
        assert_eq!(pick(&Port::Name("Oxygen".into()), &names), None);
        assert_eq!(pick(&Port::First, &[]), None);
    }
}
