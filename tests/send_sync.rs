//! Compile-time checks: every handle is `Send` when its items are, and no
//! handle is `Sync`. A regression here fails the build of this test.

use std::cell::Cell;
use std::rc::Rc;

use bbx_midi::spsc::{Consumer, Producer};
use bbx_midi::{
    BlockScheduler, Event, MidiBufferConsumer, MidiBufferProducer, MidiError, MidiMessage,
    MidiStream, SendError, StreamSource,
};

fn assert_send<T: Send>() {}
fn assert_send_sync<T: Send + Sync>() {}

/// `<T as NotSync<_>>::check()` resolves only if exactly one impl applies:
/// for a `Sync` type both do and the call is ambiguous, which is a compile
/// error. (The trick `static_assertions::assert_not_impl_any!` uses.)
trait NotSync<Marker> {
    fn check() {}
}
impl<T: ?Sized> NotSync<()> for T {}
struct IsSync;
impl<T: ?Sized + Sync> NotSync<IsSync> for T {}

#[test]
fn handles_are_send() {
    assert_send::<Producer<MidiMessage>>();
    assert_send::<Consumer<MidiMessage>>();
    // `Cell` is `Send` but not `Sync`: handles need only `T: Send`.
    assert_send::<Producer<Cell<u8>>>();
    assert_send::<Consumer<Cell<u8>>>();
    assert_send::<MidiBufferProducer>();
    assert_send::<MidiBufferConsumer>();
    assert_send::<StreamSource>();
    assert_send::<MidiStream>();
}

#[test]
fn handles_are_not_sync() {
    <Producer<u8> as NotSync<_>>::check();
    <Consumer<u8> as NotSync<_>>::check();
    <MidiBufferProducer as NotSync<_>>::check();
    <MidiBufferConsumer as NotSync<_>>::check();
    <StreamSource as NotSync<_>>::check();
    <MidiStream as NotSync<_>>::check();
}

/// The negative check itself works: it compiles for a type known not to be
/// `Sync`, and (see `handles_are_send`) `assert_send_sync` is the positive
/// counterpart, used here on the plain value types.
#[test]
fn the_checks_tell_sync_from_not_sync() {
    <Cell<u8> as NotSync<_>>::check();
    assert_send_sync::<MidiMessage>();
    assert_send_sync::<MidiError>();
    assert_send_sync::<SendError>();
    assert_send_sync::<Event<'static>>();
    assert_send_sync::<BlockScheduler>();
}

#[test]
fn handles_of_non_send_items_are_not_send() {
    trait NotSend<Marker> {
        fn check() {}
    }
    impl<T: ?Sized> NotSend<()> for T {}
    struct IsSend;
    impl<T: ?Sized + Send> NotSend<IsSend> for T {}

    <Producer<Rc<u8>> as NotSend<_>>::check();
    <Consumer<Rc<u8>> as NotSend<_>>::check();
}
