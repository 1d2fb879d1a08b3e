using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// A shard's key → <see cref="DirectoryEntry"/> map built for a million keys per store: keys are stored once as
/// UTF-8 in 1 MiB arena chunks (no string object per key), entries in chunked slot arrays (no large reallocation when
/// growing), chained through an int bucket array. About 95 bytes per key instead of ~150 for a
/// <c>Dictionary&lt;string, …&gt;</c>, and nothing for the GC to trace per key. Keys are never removed (deletes are
/// tombstone records). The first slot chunk and the first arena chunk start small and double up to their full size
/// (copied, as chunk tables are: a store of a few records does not take ~2 MB per shard, ~1 MB of it on the large
/// object heap, whose first allocations start a background gen 2 collection beside a new database's first saves).
/// Not thread-safe for writes (the shard's lock guards it), but <see cref="KeyAt"/> of an existing slot may be read
/// without the lock: stored key bytes never change (a growing first chunk is copied; the old copy stays readable) and
/// the chunk tables are replaced, never mutated in place.
/// </summary>
internal sealed class KeyDirectory
{
    private const int SlotChunkBits = 14;
    private const int SlotChunkSize = 1 << SlotChunkBits;
    private const int ArenaChunkSize = 1 << 20;
    private const int FirstSlotChunkSize = 256;       // ~14 KB
    private const int FirstArenaChunkSize = 16 << 10;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct Slot
    {
        public int Hash;
        public int Next;     // slot index + 1 of the next slot in the bucket chain, 0 = end
        public long KeyRef;  // arena chunk << 32 | offset of [u16 length][bytes]
        public DirectoryEntry Entry;
    }

    private Slot[][] _slots = [];
    private byte[][] _arena = [];
    private int[] _buckets;
    private int _count;
    private int _arenaUsed;

    public KeyDirectory(int capacity)
    {
        int buckets = 16;
        while (buckets < capacity + capacity / 3 && buckets < 1 << 30) buckets <<= 1;
        _buckets = new int[buckets];
    }

    public int Count => _count;

    /// <summary>Slot of <paramref name="key"/>, or -1.</summary>
    public int Find(ReadOnlySpan<byte> key) => Find(key, HashOf(key));

    private int Find(ReadOnlySpan<byte> key, int hash)
    {
        for (int i = _buckets[hash & (_buckets.Length - 1)]; i != 0;)
        {
            ref var slot = ref SlotAt(i - 1);
            if (slot.Hash == hash && KeyAt(i - 1).SequenceEqual(key)) return i - 1;
            i = slot.Next;
        }
        return -1;
    }

    /// <summary>Slot of <paramref name="key"/>, adding it (with a default entry) when absent.</summary>
    public int FindOrAdd(ReadOnlySpan<byte> key, out bool added)
    {
        int hash = HashOf(key);
        int found = Find(key, hash);
        if (found >= 0)
        {
            added = false;
            return found;
        }
        added = true;
        if (_count + _count / 3 >= _buckets.Length) Rehash(_buckets.Length * 2);
        int index = _count;
        int chunk = index >> SlotChunkBits;
        if (chunk >= _slots.Length)
        {
            var grown = new Slot[_slots.Length + 1][];
            _slots.CopyTo(grown, 0);
            grown[^1] = new Slot[chunk == 0 ? FirstSlotChunkSize : SlotChunkSize];
            Volatile.Write(ref _slots, grown);
        }
        else if ((index & (SlotChunkSize - 1)) >= _slots[chunk].Length)
        {
            // Only the first chunk is ever short: a doubled copy in a new table (readers of KeyAt see either copy;
            // entries are written under the shard's lock, after this).
            var table = (Slot[][])_slots.Clone();
            var bigger = new Slot[Math.Min(SlotChunkSize, _slots[chunk].Length * 2)];
            _slots[chunk].CopyTo(bigger, 0);
            table[chunk] = bigger;
            Volatile.Write(ref _slots, table);
        }
        ref var slot = ref SlotAt(index);
        slot.Hash = hash;
        slot.KeyRef = StoreKey(key);
        ref int bucket = ref _buckets[hash & (_buckets.Length - 1)];
        slot.Next = bucket;
        bucket = index + 1;
        _count++;
        return index;
    }

    public ref DirectoryEntry EntryAt(int index) => ref SlotAt(index).Entry;

    public ReadOnlySpan<byte> KeyAt(int index)
    {
        long keyRef = Volatile.Read(ref _slots)[index >> SlotChunkBits][index & (SlotChunkSize - 1)].KeyRef;
        var chunk = Volatile.Read(ref _arena)[(int)(keyRef >> 32)];
        int offset = (int)keyRef;
        return chunk.AsSpan(offset + 2, BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(offset)));
    }

    private ref Slot SlotAt(int index) => ref _slots[index >> SlotChunkBits][index & (SlotChunkSize - 1)];

    private long StoreKey(ReadOnlySpan<byte> key)
    {
        int needed = key.Length + 2;
        if (_arena.Length == 1 && _arena[0].Length < ArenaChunkSize && _arenaUsed + needed > _arena[0].Length)
        {
            // The first chunk grows in place of itself (offsets stay; readers holding the old copy see the same bytes).
            var bigger = new byte[Math.Min(ArenaChunkSize, Math.Max(_arena[0].Length * 2, _arenaUsed + needed))];
            _arena[0].AsSpan(0, _arenaUsed).CopyTo(bigger);
            Volatile.Write(ref _arena, [bigger]);
        }
        if (_arena.Length == 0 || _arenaUsed + needed > _arena[^1].Length)
        {
            var grown = new byte[_arena.Length + 1][];
            _arena.CopyTo(grown, 0);
            grown[^1] = new byte[Math.Max(_arena.Length == 0 ? FirstArenaChunkSize : ArenaChunkSize, needed)];
            Volatile.Write(ref _arena, grown);
            _arenaUsed = 0;
        }
        var chunk = _arena[^1];
        BinaryPrimitives.WriteUInt16LittleEndian(chunk.AsSpan(_arenaUsed), (ushort)key.Length);
        key.CopyTo(chunk.AsSpan(_arenaUsed + 2));
        long keyRef = ((long)(_arena.Length - 1) << 32) | (uint)_arenaUsed;
        _arenaUsed += needed;
        return keyRef;
    }

    private void Rehash(int size)
    {
        var buckets = new int[size];
        for (int i = 0; i < _count; i++)
        {
            ref var slot = ref SlotAt(i);
            ref int bucket = ref buckets[slot.Hash & (size - 1)];
            slot.Next = bucket;
            bucket = i + 1;
        }
        _buckets = buckets;
    }

    private static int HashOf(ReadOnlySpan<byte> key)
    {
        // Per-process randomised (HashCode's seed): fine in memory, and it resists crafted collisions.
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode();
    }
}
