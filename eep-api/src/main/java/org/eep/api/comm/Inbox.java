package org.eep.api.comm;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The receive side every transport shares: keeps arrived messages until asked for, matches them to
 * waits by {@link MessageKey}, and enforces the {@link Fence}. A transport calls {@link #deliver}
 * from its I/O thread and {@link #peerFailed} when a connection breaks; it implements {@link
 * Transport#receive} and {@link Transport#fence} by delegating here.
 *
 * <p>Rules: a message of an epoch older than the fence is dropped (counted as stale epoch); a
 * message of the fence's epoch from a non-member or another incarnation than the fence's is dropped
 * (stale incarnation); a message of a newer epoch is kept and checked again when that epoch is
 * fenced in; a second message with the same key is dropped (duplicate) — whether the first is still
 * kept or was already taken, as long as it is among the last {@value #REPLAY_WINDOW} taken (older
 * keys are forgotten; a copy of one would only be kept, unasked for, until the next fence, since
 * the step protocol asks for each key once). So a replayed frame is dropped and counted as a
 * duplicate in its own epoch and as stale in any later one.
 *
 * <p>A sender's messages arrive in the order sent ({@link Transport}), so once a message of a newer
 * epoch has arrived from a sender, nothing more of an older epoch will: a wait for an older epoch
 * of that sender that no kept message matches ends with {@link EpochChangedException} at once,
 * before this rank fences the newer epoch in (a rank that applies a view between steps, rather than
 * the moment it learns it, is not left waiting for a peer that already went on).
 *
 * <p>Probes ({@link Phase#PROBE}) and their answers ({@link Phase#PROBE_ACK}) are never kept or
 * fenced: a probe is handed at once, on the delivering thread, to the transport's answerer, and an
 * answer only counts as hearing from its sender. Every delivered frame, admitted or dropped,
 * records when its sender was last heard from ({@link #lastHeard}).
 *
 * <p>Frames a transport refuses before they become messages are counted here too: {@link
 * #countRejected} (malformed, or unauthenticated — see {@link FrameAuth}).
 *
 * <p>Thread-safe.
 */
public final class Inbox {
  /** How many taken keys of the current epoch are remembered to recognise a copy arriving later. */
  public static final int REPLAY_WINDOW = 1 << 16;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<MessageKey, Message> pending = new HashMap<>();
  private final Map<Integer, Throwable> failedPeers = new HashMap<>();

  /** The newest epoch of an admitted message, by sender. */
  private final Map<Integer, Long> newestEpoch = new HashMap<>();

  /**
   * Keys taken, oldest first, at most {@link #REPLAY_WINDOW}; only of the fence's epoch or newer.
   */
  private final LinkedHashSet<MessageKey> taken = new LinkedHashSet<>();

  /**
   * When each sender was last heard from ({@link System#nanoTime()}); NEVER before its first frame.
   */
  private final AtomicLongArray heard;

  private final Consumer<MessageHeader> probeAnswerer;

  private Fence fence;

  private final LongAdder delivered = new LongAdder();
  private final LongAdder staleEpoch = new LongAdder();
  private final LongAdder staleIncarnation = new LongAdder();
  private final LongAdder duplicate = new LongAdder();
  private final LongAdder malformed = new LongAdder();
  private final LongAdder unauthenticated = new LongAdder();

  private static final long NEVER = Long.MIN_VALUE;

  /** An inbox that accepts what {@code initial} admits and leaves probes unanswered. */
  public Inbox(Fence initial) {
    this(initial, probe -> {});
  }

  /**
   * An inbox that accepts what {@code initial} admits and hands each arrived probe to {@code
   * probeAnswerer} (on the delivering thread, no lock held).
   */
  public Inbox(Fence initial, Consumer<MessageHeader> probeAnswerer) {
    this.fence = requireNonNull(initial, "initial is null");
    this.probeAnswerer = requireNonNull(probeAnswerer, "probeAnswerer is null");
    this.heard = new AtomicLongArray(initial.incarnations().length);
    for (int r = 0; r < heard.length(); r++) {
      heard.set(r, NEVER);
    }
  }

  /** Accepts or drops one arrived message (the payload is owned by the inbox from here on). */
  public void deliver(MessageHeader header, ByteBuffer payload) {
    if (header.sender() < heard.length()) {
      heard.set(header.sender(), System.nanoTime());
    }
    if (header.phase() == Phase.PROBE) {
      probeAnswerer.accept(header);
      return;
    }
    if (header.phase() == Phase.PROBE_ACK) {
      return;
    }
    Message message = new Message(header, payload.asReadOnlyBuffer());
    lock.lock();
    try {
      if (!admissible(header, fence)) {
        return;
      }
      if (taken.contains(header.key()) || pending.putIfAbsent(header.key(), message) != null) {
        duplicate.increment();
        return;
      }
      newestEpoch.merge(header.sender(), header.epoch(), Math::max);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Counts a frame the transport could not decode. */
  public void countMalformed() {
    malformed.increment();
  }

  /** Counts a frame refused for a missing or wrong authentication tag. */
  public void countUnauthenticated() {
    unauthenticated.increment();
  }

  /**
   * Counts a refused frame by its kind: {@link UnauthenticatedFrameException} apart from other
   * malformed frames.
   */
  public void countRejected(MalformedFrameException e) {
    requireNonNull(e, "e is null");
    if (e instanceof UnauthenticatedFrameException) {
      countUnauthenticated();
    } else {
      countMalformed();
    }
  }

  /** Waits for the message matching {@code key}; see {@link Transport#receive}. */
  public Message take(MessageKey key, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (true) {
        if (key.epoch() < fence.epoch()) {
          throw new EpochChangedException(key, fence.epoch());
        }
        Message m = pending.remove(key);
        if (m != null) {
          delivered.increment();
          remember(key);
          return m;
        }
        long newest = newestEpoch.getOrDefault(key.sender(), Long.MIN_VALUE);
        if (newest > key.epoch()) {
          throw new EpochChangedException(key, newest);
        }
        Throwable failure = failedPeers.get(key.sender());
        if (failure != null) {
          throw new PeerFailedException(
              key.sender(),
              "Connection to rank " + key.sender() + " failed while waiting for " + key,
              failure);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new ReceiveTimeoutException(key, timeout);
        }
        changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Applies a newer fence: drops what it no longer admits and wakes every wait. Older fences are
   * ignored.
   */
  public void fence(Fence next) {
    requireNonNull(next, "next is null");
    lock.lock();
    try {
      if (next.epoch() < fence.epoch()) {
        return;
      }
      fence = next;
      taken.removeIf(k -> k.epoch() < next.epoch());
      for (Iterator<Message> it = pending.values().iterator(); it.hasNext(); ) {
        if (!admissible(it.next().header(), next)) {
          it.remove();
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Marks the connection to {@code peer} broken: current and later waits on it fail until {@link
   * #peerRestored}.
   */
  public void peerFailed(int peer, Throwable cause) {
    lock.lock();
    try {
      failedPeers.put(peer, cause);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The connection to {@code peer} was re-made: waits on it may succeed again. */
  public void peerRestored(int peer) {
    lock.lock();
    try {
      failedPeers.remove(peer);
    } finally {
      lock.unlock();
    }
  }

  /**
   * When a frame from {@code sender} last arrived, as {@link System#nanoTime()}; empty before the
   * first (or for a rank outside the instance).
   */
  public OptionalLong lastHeard(int sender) {
    if (sender < 0 || sender >= heard.length()) {
      return OptionalLong.empty();
    }
    long at = heard.get(sender);
    return at == NEVER ? OptionalLong.empty() : OptionalLong.of(at);
  }

  public Fence currentFence() {
    lock.lock();
    try {
      return fence;
    } finally {
      lock.unlock();
    }
  }

  /** Messages kept and not yet taken. */
  public int pendingCount() {
    lock.lock();
    try {
      return pending.size();
    } finally {
      lock.unlock();
    }
  }

  /** Counters; {@code sent} and {@code bytesSent} come from the transport. */
  public TransportStats stats(long sent, long bytesSent) {
    return new TransportStats(
        sent,
        bytesSent,
        delivered.sum(),
        staleEpoch.sum(),
        staleIncarnation.sum(),
        duplicate.sum(),
        malformed.sum(),
        unauthenticated.sum());
  }

  /** Remembers a taken key (lock held), forgetting the oldest beyond {@link #REPLAY_WINDOW}. */
  private void remember(MessageKey key) {
    taken.add(key);
    if (taken.size() > REPLAY_WINDOW) {
      Iterator<MessageKey> oldest = taken.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  private boolean admissible(MessageHeader h, Fence f) {
    if (h.epoch() < f.epoch()) {
      staleEpoch.increment();
      return false;
    }
    if (h.epoch() == f.epoch()) {
      long expected = f.incarnation(h.sender());
      if (expected == -1 || (expected != Long.MIN_VALUE && expected != h.incarnation())) {
        staleIncarnation.increment();
        return false;
      }
    }
    return true;
  }
}
