//! The one door through which the ring buffer reaches atomics, its shared
//! allocation and its slot cells.
//!
//! Normally these are `core`/`alloc` types. Built with `--cfg loom` they are
//! loom's instrumented twins, so that the model checker explores every
//! interleaving of the index updates *and* reports a data race on a slot when
//! a happens-before edge is missing. `spsc` never names `core::sync` or
//! `core::cell` itself: whatever it does runs under loom unchanged.

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;
#[cfg(all(loom, feature = "alloc"))]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

#[cfg(all(not(loom), feature = "alloc"))]
pub(crate) use alloc::sync::Arc;
#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

#[cfg(all(not(loom), feature = "alloc"))]
use core::alloc::Layout;
use core::mem::MaybeUninit;
#[cfg(all(not(loom), feature = "alloc"))]
use core::mem::size_of;
#[cfg(feature = "alloc")]
use core::ptr::NonNull;

#[cfg(all(loom, feature = "alloc"))]
use alloc::boxed::Box;
#[cfg(all(loom, feature = "alloc"))]
use alloc::vec::Vec;

/// `core::cell::UnsafeCell` with loom's closure-based access API.
///
/// `#[repr(transparent)]`, so a slice of `UnsafeCell<MaybeUninit<T>>` has the
/// layout of a slice of `T`; `copy_to_slots`/`copy_from_slots` rely on that.
#[cfg(not(loom))]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// One slot of the ring: possibly uninitialised storage for a `T`.
pub(crate) type Slot<T> = UnsafeCell<MaybeUninit<T>>;

/// Defines a function that is `const` except under loom, whose atomics and
/// cells cannot be built in `const` context: one body for both builds.
macro_rules! const_fn_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        $(#[$attr])*
        #[cfg(not(loom))]
        $vis const fn $($rest)*

        $(#[$attr])*
        #[cfg(loom)]
        $vis fn $($rest)*
    };
}
pub(crate) use const_fn_unless_loom;

/// `N` uninitialised slots.
#[cfg(not(loom))]
pub(crate) const fn uninit_slots<T, const N: usize>() -> [Slot<T>; N] {
    [const { UnsafeCell::new(MaybeUninit::uninit()) }; N]
}

/// `N` uninitialised slots (loom's cells carry bookkeeping and must each be
/// constructed).
#[cfg(loom)]
pub(crate) fn uninit_slots<T, const N: usize>() -> [Slot<T>; N] {
    core::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit()))
}

/// The slots' allocation: `capacity` slots, aligned to and padded out to
/// whole cache lines (as `CachePadded` defines them for the target), so
/// that no other heap object shares a line with the first or last slots
/// and the two threads never contend for a line they do not both need.
///
/// Owns the memory, not the items: dropping it frees the slots without
/// dropping anything in them.
#[cfg(feature = "alloc")]
pub(crate) struct SlotAlloc<T> {
    first: NonNull<Slot<T>>,
    capacity: usize,
}

#[cfg(feature = "alloc")]
impl<T> SlotAlloc<T> {
    #[cfg(not(loom))]
    fn layout(capacity: usize) -> Option<Layout> {
        let line = core::mem::align_of::<crossbeam_utils::CachePadded<u8>>();
        Some(
            Layout::array::<Slot<T>>(capacity)
                .ok()?
                .align_to(line)
                .ok()?
                .pad_to_align(),
        )
    }

    /// Whether `capacity` slots take memory: not for zero-sized items, nor
    /// for no slots.
    #[cfg(not(loom))]
    fn allocates(capacity: usize) -> bool {
        size_of::<T>() != 0 && capacity != 0
    }

    /// Allocates `capacity` slots (a buffer of zero-sized items may have
    /// `usize::MAX` slots), or `None` if they are too large to allocate.
    ///
    /// Every page of them is written here, on the thread that creates the
    /// ring: memory the allocator takes fresh from the kernel is mapped on
    /// first touch, and that touch must not be the first push of a
    /// real-time producer (MIDI sent out from the audio thread) or pop of
    /// a real-time consumer: a page fault costs microseconds, more under
    /// memory pressure.
    pub(crate) fn new(capacity: usize) -> Option<Self> {
        #[cfg(not(loom))]
        let first = {
            let layout = Self::layout(capacity)?;
            if !Self::allocates(capacity) {
                NonNull::<Slot<T>>::dangling()
            } else {
                // SAFETY: `layout.size()` is at least one non-zero-sized
                // item (`allocates`), so not 0, as `alloc` requires.
                let raw = unsafe { alloc::alloc::alloc(layout) };
                let first = NonNull::new(raw)?;
                // Zeroes written here, not asked of `alloc_zeroed`, which may
                // take pages the kernel maps on first touch: the touch this
                // must take off the real-time threads (`tests/page_faults.rs`
                // checks it, also in an optimized build).
                // A `Slot<T>` is valid whatever its bytes: the zeroes
                // initialise no item.
                // SAFETY: `first` is a fresh allocation of `layout.size()` bytes, unshared.
                unsafe { first.as_ptr().write_bytes(0, layout.size()) };
                first.cast()
            }
        };
        #[cfg(loom)]
        let first = {
            // loom's cells carry bookkeeping and must be constructed.
            let mut cells: Vec<Slot<T>> = Vec::new();
            cells.try_reserve_exact(capacity).ok()?;
            cells.resize_with(capacity, || UnsafeCell::new(MaybeUninit::uninit()));
            NonNull::from(Box::leak(cells.into_boxed_slice())).cast()
        };
        Some(Self { first, capacity })
    }

    /// The first slot; the others follow it.
    pub(crate) fn first(&self) -> NonNull<Slot<T>> {
        self.first
    }
}

#[cfg(feature = "alloc")]
impl<T> Drop for SlotAlloc<T> {
    fn drop(&mut self) {
        #[cfg(not(loom))]
        if Self::allocates(self.capacity) {
            let layout = Self::layout(self.capacity).expect("it was allocated with this layout");
            // SAFETY: allocated in `new` with this very layout, freed once.
            unsafe { alloc::alloc::dealloc(self.first.as_ptr().cast(), layout) };
        }
        #[cfg(loom)]
        {
            let cells = core::ptr::slice_from_raw_parts_mut(self.first.as_ptr(), self.capacity);
            // SAFETY: the boxed slice leaked in `new`, rebuilt once.
            drop(unsafe { Box::from_raw(cells) });
        }
    }
}

/// Copies `src` into the `src.len()` consecutive slots starting at `dst`.
///
/// # Safety
/// `dst .. dst + src.len()` must be slots of one live allocation to which the
/// caller has exclusive access (the consumer cannot read them yet).
#[inline]
pub(crate) unsafe fn copy_to_slots<T: Copy>(dst: *const Slot<T>, src: &[T]) {
    #[cfg(not(loom))]
    {
        // The second run of a slice that does not wrap is empty: skip the
        // `memcpy` call (with its size dispatch) that the compiler emits for
        // a length it cannot see.
        if src.is_empty() {
            return;
        }
        // SAFETY: `Slot<T>` has the layout of `T` (transparent over `UnsafeCell`
        // over `MaybeUninit`), so the slots are a run of `T`; bounds, exclusive
        // access and so no overlap with `src` are the caller's contract.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst as *mut T, src.len()) };
    }
    #[cfg(loom)]
    for (i, value) in src.iter().enumerate() {
        // SAFETY: in bounds and exclusively ours by the caller's contract;
        // going slot by slot lets loom check every access.
        unsafe { (*dst.add(i)).with_mut(|p| (*p).write(*value)) };
    }
}

/// Copies the `dst.len()` consecutive slots starting at `src` into `dst`.
///
/// # Safety
/// `src .. src + dst.len()` must be initialised slots of one live allocation
/// that the producer will not overwrite until the caller releases them.
#[inline]
pub(crate) unsafe fn copy_from_slots<T: Copy>(src: *const Slot<T>, dst: &mut [T]) {
    #[cfg(not(loom))]
    {
        // An empty run is skipped, as in `copy_to_slots`.
        if dst.is_empty() {
            return;
        }
        // SAFETY: layout as in `copy_to_slots`; initialised, stable slots are
        // the caller's contract, and `dst`, a `&mut`, cannot overlap them.
        unsafe { core::ptr::copy_nonoverlapping(src as *const T, dst.as_mut_ptr(), dst.len()) };
    }
    #[cfg(loom)]
    for (i, out) in dst.iter_mut().enumerate() {
        // SAFETY: in bounds, initialised and stable by the caller's contract.
        *out = unsafe { (*src.add(i)).with(|p| (*p).assume_init()) };
    }
}

/// Drops the items in a run of initialised slots when it is dropped itself,
/// which also happens while unwinding: a panic in one item's `Drop` does not
/// keep the other runs from being dropped.
pub(crate) struct DropSlots<T> {
    first: *const Slot<T>,
    len: usize,
}

impl<T> DropSlots<T> {
    /// # Safety
    /// `first .. first + len` must be initialised slots of one live
    /// allocation that nothing else will read, write or drop.
    pub(crate) unsafe fn new(first: *const Slot<T>, len: usize) -> Self {
        Self { first, len }
    }
}

impl<T> Drop for DropSlots<T> {
    fn drop(&mut self) {
        if !core::mem::needs_drop::<T>() || self.len == 0 {
            return;
        }
        #[cfg(not(loom))]
        // SAFETY: layout as in `copy_to_slots`; initialised and ours alone by
        // the contract of `new`. Dropping a slice drops every element even if
        // one of them panics.
        unsafe {
            core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(
                self.first as *mut T,
                self.len,
            ));
        }
        #[cfg(loom)]
        for i in 0..self.len {
            // SAFETY: in bounds, initialised and ours by the contract of `new`.
            unsafe { (*self.first.add(i)).with_mut(|p| (*p).assume_init_drop()) };
        }
    }
}
