/// A growable run of trivial values in memory this module allocates and frees itself.
///
/// The decoder appends to a handful of these for every opcode; unlike `Array` they
/// carry no uniqueness check, so an append is a compare and a store. A buffer is
/// owned by exactly one ``PickleStorage`` or ``PickleUnpickler``, which calls
/// ``free()`` once; copies of the struct alias the same memory and are never kept.
struct PickleBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    /// Elements in use; lowering it drops the ones above.
    var count = 0
    private(set) var capacity: Int
    /// False while `base` is memory someone else frees (part of a shared block): growing leaves it there.
    private var ownsMemory = true

    /// Allocates room for `capacity` elements; none for 0 (the first append allocates).
    init(capacity: Int) {
        self.capacity = max(capacity, 0)
        base = self.capacity > 0 ? .allocate(capacity: self.capacity)
            : UnsafeMutablePointer(bitPattern: MemoryLayout<Element>.alignment)!  // never read: count is 0
    }

    /// Room for `capacity` elements at `memory`, which the caller allocated and frees (after this buffer's ``free()``).
    init(borrowing memory: UnsafeMutablePointer<Element>, capacity: Int) {
        self.capacity = capacity
        base = memory
        ownsMemory = false
    }

    @inline(__always)
    subscript(i: Int) -> Element {
        get {
            precondition(i >= 0 && i < count, "PickleBuffer index out of range")
            return base[i]
        }
        nonmutating set {
            precondition(i >= 0 && i < count, "PickleBuffer index out of range")
            base[i] = newValue
        }
    }

    @inline(__always)
    var last: Element? { count > 0 ? base[count - 1] : nil }

    @inline(__always)
    mutating func append(_ x: Element) {
        if count == capacity { grow(to: count + 1) }
        (base + count).initialize(to: x)
        count += 1
    }

    /// Makes room for `n` more elements, so pointers into the buffer stay valid while they are added.
    mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(to: count + n) }
    }

    /// Appends `n` copies of `x`.
    mutating func append(repeating x: Element, count n: Int) {
        if count + n > capacity { grow(to: count + n) }
        (base + count).initialize(repeating: x, count: n)
        count += n
    }

    /// Appends elements from memory that may lie in this buffer (they are read before it grows).
    mutating func append(from p: UnsafePointer<Element>, count n: Int) {
        guard n > 0 else { return }
        if count + n > capacity {
            let old = base, owned = ownsMemory
            let offset = old.distance(to: UnsafeMutablePointer(mutating: p))
            let inside = offset >= 0 && offset < capacity
            grow(to: count + n, keepingOld: inside)
            (base + count).initialize(from: inside ? UnsafePointer(base + offset) : p, count: n)
            if inside && owned { old.deallocate() }
        } else if n <= 4 {
            // Tuples of one to three and short batches: a call to memmove would cost more than the copy.
            var i = 0
            while i < n {
                (base + count + i).initialize(to: p[i])
                i += 1
            }
        } else {
            (base + count).update(from: p, count: n)
        }
        count += n
    }

    mutating func append<C: Collection>(contentsOf elements: C) where C.Element == Element {
        if count + elements.count > capacity { grow(to: count + elements.count) }
        for x in elements {
            (base + count).initialize(to: x)
            count += 1
        }
    }

    @inline(__always)
    mutating func removeLast() -> Element {
        precondition(count > 0, "PickleBuffer is empty")
        count -= 1
        return base[count]
    }

    /// Doubles the room (at least to `minimum`); `keepingOld` leaves the old memory for the caller to free.
    @inline(never)
    private mutating func grow(to minimum: Int, keepingOld: Bool = false) {
        let newCapacity = Swift.max(minimum, 2 * capacity, 8)
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        fresh.initialize(from: base, count: count)
        if !keepingOld && capacity > 0 && ownsMemory { base.deallocate() }
        base = fresh
        capacity = newCapacity
        ownsMemory = true
    }

    /// The elements in use.
    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    /// An independent copy (its own memory).
    func copy() -> PickleBuffer<Element> {
        var c = PickleBuffer(capacity: count)
        if count > 0 { c.base.initialize(from: base, count: count) }
        c.count = count
        return c
    }

    /// Releases the memory (if its own); the buffer must not be used afterwards.
    func free() { if capacity > 0 && ownsMemory { base.deallocate() } }
}
