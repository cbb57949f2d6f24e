package org.eep.api.comm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Fuzzes {@link Inbox#deliver} through decoded frames, interleaved with fences and takes, against a
 * plain model of the inbox's rules. Properties: every frame is decoded or refused with {@link
 * MalformedFrameException}; every refused frame is counted (malformed or unauthenticated); every
 * decoded one ends in exactly one place (taken, kept, or dropped as stale epoch, stale incarnation
 * or duplicate) as the model says; a take never waits (zero timeout) and returns the first copy
 * delivered of exactly its key, or ends with {@link ReceiveTimeoutException} or {@link
 * EpochChangedException} when the model says so. Any other exception, a divergence from the model,
 * or a hang is a finding.
 *
 * <p>Input: a program of operations, each starting with an opcode byte (low two bits):
 *
 * <ol start="0">
 *   <li>raw frame: a length byte, then that many bytes, decoded without authentication;
 *   <li>member frame: seven field bytes (sender, incarnation, epoch, step, layer, phase, payload
 *       length) and a corruption byte; encoded with authentication, one bit flipped if the
 *       corruption byte's top bit is set, then decoded with authentication;
 *   <li>fence: an epoch byte and an incarnation byte (two bits per rank, 3 = not a member);
 *   <li>take: four key bytes (sender, epoch, step, layer+phase), zero timeout.
 * </ol>
 *
 * Without {@code JAZZER_FUZZ} this runs the seed corpus in {@code
 * src/test/resources/org/eep/api/comm/InboxFuzzTestInputs/deliverDecodedFrames/}.
 */
class InboxFuzzTest {
  private static final int RANKS = 4;
  private static final FrameAuth AUTH = FrameAuth.hmac("fuzz", "fuzz-secret").toReceiver(0);

  @FuzzTest(maxDuration = "15s")
  void deliverDecodedFrames(byte[] input) throws InterruptedException {
    ByteBuffer program = ByteBuffer.wrap(input);
    Fence initial = new Fence(1, new long[] {1, 1, 1, 1});
    long[] answered = new long[1];
    Inbox inbox = new Inbox(initial, probe -> answered[0]++);
    Model model = new Model(initial);
    while (program.hasRemaining()) {
      switch (program.get() & 3) {
        case 0 -> {
          byte[] frame = new byte[Math.min(u8(program), program.remaining())];
          program.get(frame);
          deliver(inbox, model, frame, FrameAuth.none());
        }
        case 1 -> {
          if (program.remaining() < 8) {
            return;
          }
          MessageHeader h =
              new MessageHeader(
                  u8(program) % (RANKS + 2),
                  u8(program) % 4,
                  u8(program) % 4,
                  u8(program) % 4,
                  u8(program) % 2,
                  Phase.values()[u8(program) % Phase.values().length],
                  0);
          byte[] payload = new byte[u8(program) % 8];
          Arrays.fill(payload, (byte) h.step());
          int corruption = u8(program);
          ByteBuffer encoded = FrameCodec.encode(h, ByteBuffer.wrap(payload), AUTH);
          byte[] frame = new byte[encoded.remaining()];
          encoded.get(frame);
          if ((corruption & 0x80) != 0) {
            int bit = (corruption & 0x7f) * 7 % (frame.length * 8);
            frame[bit / 8] ^= (byte) (1 << (bit % 8));
          }
          deliver(inbox, model, frame, AUTH);
        }
        case 2 -> {
          if (program.remaining() < 2) {
            return;
          }
          long epoch = u8(program) % 5;
          int bits = u8(program);
          long[] incarnations = new long[RANKS];
          for (int r = 0; r < RANKS; r++) {
            int i = (bits >>> (2 * r)) & 3;
            incarnations[r] = i == 3 ? -1 : i;
          }
          Fence f = new Fence(epoch, incarnations);
          inbox.fence(f);
          model.fence(f);
        }
        default -> {
          if (program.remaining() < 4) {
            return;
          }
          int sender = u8(program) % (RANKS + 2);
          long epoch = u8(program) % 4;
          long step = u8(program) % 4;
          int lp = u8(program);
          MessageKey key =
              new MessageKey(
                  sender, epoch, step, lp % 2, Phase.values()[(lp / 2) % Phase.values().length], 0);
          take(inbox, model, key);
        }
      }
      model.check(inbox, answered[0]);
    }
  }

  private static void deliver(Inbox inbox, Model model, byte[] frame, FrameAuth auth) {
    Message m;
    try {
      m = FrameCodec.decode(ByteBuffer.wrap(frame), auth);
    } catch (MalformedFrameException e) {
      inbox.countRejected(e);
      model.rejected(e);
      return;
    }
    inbox.deliver(m.header(), m.payload());
    model.deliver(m);
  }

  private static void take(Inbox inbox, Model model, MessageKey key) throws InterruptedException {
    Object expected = model.take(key);
    Object actual;
    try {
      Message m = inbox.take(key, Duration.ZERO);
      if (!m.header().key().equals(key)) {
        throw new AssertionError("take(" + key + ") returned " + m.header());
      }
      actual = m.payload();
    } catch (ReceiveTimeoutException e) {
      actual = ReceiveTimeoutException.class;
    } catch (EpochChangedException e) {
      actual = EpochChangedException.class;
    }
    if (!Objects.equals(expected, actual)) {
      throw new AssertionError(
          "take(" + key + "): model says " + expected + ", inbox gave " + actual);
    }
  }

  private static int u8(ByteBuffer b) {
    return b.hasRemaining() ? b.get() & 0xff : 0;
  }

  /**
   * The inbox's documented rules, written the plain way (no replay window: programs are far
   * shorter).
   */
  private static final class Model {
    private Fence fence;
    private final Map<MessageKey, Message> pending = new HashMap<>();
    private final Set<MessageKey> taken = new HashSet<>();
    private final Map<Integer, Long> newestEpoch = new HashMap<>();
    private long delivered;
    private long staleEpoch;
    private long staleIncarnation;
    private long duplicate;
    private long malformed;
    private long unauthenticated;
    private long probes;
    private final Set<Integer> heard = new HashSet<>();

    Model(Fence fence) {
      this.fence = fence;
    }

    void rejected(MalformedFrameException e) {
      if (e instanceof UnauthenticatedFrameException) {
        unauthenticated++;
      } else {
        malformed++;
      }
    }

    void deliver(Message m) {
      heard.add(m.header().sender());
      if (m.header().phase() == Phase.PROBE) {
        probes++;
        return;
      }
      if (m.header().phase() == Phase.PROBE_ACK) {
        return;
      }
      if (!admissible(m.header(), fence)) {
        return;
      }
      MessageKey k = m.header().key();
      if (taken.contains(k) || pending.containsKey(k)) {
        duplicate++;
      } else {
        pending.put(k, m);
        newestEpoch.merge(k.sender(), k.epoch(), Math::max);
      }
    }

    void fence(Fence next) {
      if (next.epoch() < fence.epoch()) {
        return;
      }
      fence = next;
      taken.removeIf(k -> k.epoch() < next.epoch());
      pending.values().removeIf(m -> !admissible(m.header(), next));
    }

    Object take(MessageKey key) {
      if (key.epoch() < fence.epoch()) {
        return EpochChangedException.class;
      }
      Message m = pending.remove(key);
      if (m == null) {
        return newestEpoch.getOrDefault(key.sender(), Long.MIN_VALUE) > key.epoch()
            ? EpochChangedException.class
            : ReceiveTimeoutException.class;
      }
      delivered++;
      taken.add(key);
      return m.payload();
    }

    private boolean admissible(MessageHeader h, Fence f) {
      if (h.epoch() < f.epoch()) {
        staleEpoch++;
        return false;
      }
      if (h.epoch() == f.epoch()) {
        long expected = f.incarnation(h.sender());
        if (expected == -1 || (expected != Long.MIN_VALUE && expected != h.incarnation())) {
          staleIncarnation++;
          return false;
        }
      }
      return true;
    }

    void check(Inbox inbox, long answered) {
      if (answered != probes) {
        throw new AssertionError("inbox answered " + answered + " probes; model " + probes);
      }
      for (int r = 0; r < RANKS + 2; r++) {
        if (inbox.lastHeard(r).isPresent() != (r < RANKS && heard.contains(r))) {
          throw new AssertionError("rank " + r + " heard: inbox " + inbox.lastHeard(r));
        }
      }
      TransportStats s = inbox.stats(0, 0);
      TransportStats want =
          new TransportStats(
              0, 0, delivered, staleEpoch, staleIncarnation, duplicate, malformed, unauthenticated);
      if (!s.equals(want) || inbox.pendingCount() != pending.size()) {
        throw new AssertionError(
            "inbox "
                + s
                + " with "
                + inbox.pendingCount()
                + " kept; model "
                + want
                + " with "
                + pending.size()
                + " kept");
      }
    }
  }
}
