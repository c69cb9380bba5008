namespace Collectives.Topology;

/// <summary>A FIFO of peers, each present at most once: the "don't look bits" of a local search.</summary>
internal sealed class DirtyQueue
{
    private readonly int[] _items;
    private readonly bool[] _queued;
    private int _head;
    private int _count;

    public DirtyQueue(int capacity)
    {
        _items = new int[capacity];
        _queued = new bool[capacity];
    }

    public void Enqueue(int peer)
    {
        if (_queued[peer])
        {
            return;
        }

        _queued[peer] = true;
        _items[(_head + _count) % _items.Length] = peer;
        _count++;
    }

    public bool TryDequeue(out int peer)
    {
        if (_count == 0)
        {
            peer = -1;
            return false;
        }

        peer = _items[_head];
        _queued[peer] = false;
        _head = (_head + 1) % _items.Length;
        _count--;
        return true;
    }
}
