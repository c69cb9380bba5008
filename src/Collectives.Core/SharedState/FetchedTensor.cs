namespace Collectives.SharedState;

/// <summary>
/// A tensor being fetched into the user's memory, verified while it arrives: each <see cref="TensorHasher.BlockSize"/>
/// block is hashed as soon as every byte the transfer writes into it has been written, so the check after the transfer
/// only combines block hashes instead of reading the whole tensor again (the data is also still warm in cache).
/// </summary>
/// <remarks>
/// Soundness rests on each byte being written once: the slices must be disjoint (checked here) and the fetcher accepts
/// a request's bytes only in order, exactly once. A block is then hashed after its last write, and nothing writes into
/// it afterwards, so the verified hash is the hash of what the memory finally holds. Blocks no slice touches are hashed
/// in <see cref="Verify"/>.
/// </remarks>
internal sealed class FetchedTensor
{
    private readonly Memory<byte> _bytes;
    private readonly long _seed;
    private readonly ulong _expectedHash;
    private readonly ulong[] _blockHashes;

    // Bytes still to arrive per block; the receive that brings a block to 0 hashes it, -1 marks a block already hashed.
    private readonly long[] _pending;

    /// <summary>Prepares verification of <paramref name="bytes"/> against <paramref name="expectedHash"/>.</summary>
    /// <param name="name">The tensor's name, for errors.</param>
    /// <param name="bytes">The tensor's memory (all of it).</param>
    /// <param name="type">Its element type.</param>
    /// <param name="expectedHash">The elected content's hash.</param>
    /// <param name="slices">The byte ranges the transfer will write, as (offset, length).</param>
    /// <exception cref="ProtocolViolationException">A range lies outside the tensor or overlaps another.</exception>
    public FetchedTensor(string name, Memory<byte> bytes, DataType type, ulong expectedHash, IEnumerable<(ulong Offset, ulong Length)> slices)
    {
        Name = name;
        _bytes = bytes;
        _expectedHash = expectedHash;
        _seed = TensorHasher.Seed(type, (ulong)bytes.Length / (ulong)DataTypes.SizeOf(type));
        int blocks = TensorHasher.BlockCount((ulong)bytes.Length);
        _blockHashes = new ulong[blocks];
        _pending = new long[blocks];
        ulong end = 0;
        foreach ((ulong offset, ulong length) in slices.OrderBy(s => s.Offset))
        {
            if (offset < end || offset > (ulong)bytes.Length || length > (ulong)bytes.Length - offset)
            {
                throw new ProtocolViolationException($"slice [{offset}, +{length}) of tensor '{name}' overlaps another or lies beyond its {bytes.Length} bytes");
            }

            end = offset + length;
            for (ulong at = offset; at < end;)
            {
                (int block, ulong blockEnd) = BlockAt(at, end);
                _pending[block] += (long)(blockEnd - at);
                at = blockEnd;
            }
        }
    }

    /// <summary>The tensor's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Records that bytes [<paramref name="offset"/>, +<paramref name="length"/>) of the tensor have been written; hashes
    /// every block this completes. Thread-safe; each byte of the slices must be reported exactly once.
    /// </summary>
    public void OnWritten(ulong offset, int length)
    {
        ulong end = offset + (ulong)length;
        for (ulong at = offset; at < end;)
        {
            (int block, ulong blockEnd) = BlockAt(at, end);
            if (Interlocked.Add(ref _pending[block], -(long)(blockEnd - at)) == 0)
            {
                HashBlock(block);
            }

            at = blockEnd;
        }
    }

    /// <summary>
    /// Hashes the blocks not hashed yet and compares the tensor hash with the expected one. Call only after every
    /// write of the transfer has been reported.
    /// </summary>
    /// <exception cref="CollectivesException">RankConnectionLost: the content does not match the elected content.</exception>
    public void Verify()
    {
        for (int block = 0; block < _pending.Length; block++)
        {
            if (Volatile.Read(ref _pending[block]) != -1)
            {
                HashBlock(block);
            }
        }

        ulong hash = TensorHasher.Combine(_blockHashes, (ulong)_bytes.Length, _seed);
        if (hash != _expectedHash)
        {
            throw new CollectivesException(ErrorCode.RankConnectionLost,
                $"tensor '{Name}' does not match the elected content after the transfer (hash {hash:x16}, expected {_expectedHash:x16})");
        }
    }

    private void HashBlock(int block)
    {
        _blockHashes[block] = TensorHasher.HashBlock(_bytes.Span, block, _seed);
        Volatile.Write(ref _pending[block], -1);
    }

    /// <summary>The block holding byte <paramref name="at"/>, and where its part of [at, end) ends.</summary>
    private static (int Block, ulong End) BlockAt(ulong at, ulong end)
    {
        ulong block = at / TensorHasher.BlockSize;
        return ((int)block, Math.Min(end, (block + 1) * TensorHasher.BlockSize));
    }
}
