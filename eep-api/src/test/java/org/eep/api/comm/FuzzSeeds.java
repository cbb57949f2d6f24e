package org.eep.api.comm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the seed corpus of {@link FrameCodecFuzzTest} and {@link InboxFuzzTest} under the
 * directory given (normally {@code eep-api/src/test/resources/org/eep/api/comm}). The files are
 * checked in; run this only to regenerate them after a format change: {@code java -cp
 * eep-api/target/classes:eep-api/target/test-classes org.eep.api.comm.FuzzSeeds DIR}.
 */
final class FuzzSeeds {
  private FuzzSeeds() {}

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  private static byte[] cat(int first, byte[] rest) {
    byte[] a = new byte[rest.length + 1];
    a[0] = (byte) first;
    System.arraycopy(rest, 0, a, 1, rest.length);
    return a;
  }

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args[0]);
    Path codec = base.resolve("FrameCodecFuzzTestInputs/decode");
    Path inbox = base.resolve("InboxFuzzTestInputs/deliverDecodedFrames");
    Files.createDirectories(codec);
    Files.createDirectories(inbox);
    FrameAuth auth = FrameAuth.hmac("fuzz", "fuzz-secret").toReceiver(0);
    MessageHeader h = new MessageHeader(3, 2, 9, 1234, 5, Phase.COMBINE, 7);
    MessageHeader h0 = new MessageHeader(0, 1, 1, 0, 0, Phase.DISPATCH, 0);
    ByteBuffer hello = ByteBuffer.wrap("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] plain = bytes(FrameCodec.encode(h, hello));
    byte[] tagged = bytes(FrameCodec.encode(h, hello, auth));
    Files.write(codec.resolve("plain-frame"), cat(0, plain));
    Files.write(
        codec.resolve("plain-empty-payload"),
        cat(0, bytes(FrameCodec.encode(h0, ByteBuffer.allocate(0)))));
    byte[] badMagic = plain.clone();
    badMagic[0] = 0;
    Files.write(codec.resolve("plain-bad-magic"), cat(0, badMagic));
    byte[] truncated = java.util.Arrays.copyOf(plain, 20);
    Files.write(codec.resolve("plain-truncated-header"), cat(0, truncated));
    byte[] shortPayload = java.util.Arrays.copyOf(plain, plain.length - 1);
    Files.write(codec.resolve("plain-short-payload"), cat(0, shortPayload));
    Files.write(codec.resolve("plain-tagged-frame-refused"), cat(0, tagged));
    Files.write(codec.resolve("auth-tagged-frame"), cat(1, tagged));
    Files.write(codec.resolve("auth-untagged-frame-refused"), cat(1, plain));
    Files.write(codec.resolve("signed-header-and-payload"), cat(2, plain));
    Files.write(codec.resolve("signed-then-flipped"), cat(3, plain));

    // Inbox programs.
    ByteArrayOutputStream replay = new ByteArrayOutputStream();
    byte[] member = {
      1, 0, 1, 1, 0, 0, 0, 3, 0
    }; // rank 0, inc 1, epoch 1, step 0, layer 0, DISPATCH, 3 bytes
    replay.write(member);
    replay.write(new byte[] {3, 0, 1, 0, 0}); // take it
    replay.write(member); // replay, same epoch: duplicate
    replay.write(new byte[] {2, 2, 0x55}); // fence epoch 2, incarnation 1 everywhere
    replay.write(member); // replay, later epoch: stale epoch
    replay.write(new byte[] {1, 0, 2, 2, 1, 0, 1, 0, 0}); // inc 2 at epoch 2: stale incarnation
    replay.write(new byte[] {1, 1, 1, 2, 1, 0, 1, 2, (byte) 0x85}); // corrupted: unauthenticated
    replay.write(new byte[] {3, 0, 1, 0, 0}); // take of an old epoch: epoch changed
    replay.write(new byte[] {3, 1, 2, 1, 0}); // take of nothing: timeout
    Files.write(inbox.resolve("replay-stale-and-forged"), replay.toByteArray());

    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    byte[] rawFrame =
        bytes(
            FrameCodec.encode(
                new MessageHeader(2, 1, 1, 3, 1, Phase.COMBINE, 0),
                ByteBuffer.wrap(new byte[] {9, 9})));
    raw.write(0);
    raw.write(rawFrame.length);
    raw.write(rawFrame);
    raw.write(0); // duplicate while kept
    raw.write(rawFrame.length);
    raw.write(rawFrame);
    raw.write(new byte[] {3, 2, 1, 3, 3}); // take it (layer 1, COMBINE)
    byte[] garbage = rawFrame.clone();
    garbage[2] = 7;
    raw.write(0); // malformed: bad version
    raw.write(garbage.length);
    raw.write(garbage);
    raw.write(new byte[] {0, 5, 1, 2, 3, 4, 5}); // too short: malformed
    Files.write(inbox.resolve("raw-frames"), raw.toByteArray());

    ByteArrayOutputStream fences = new ByteArrayOutputStream();
    fences.write(new byte[] {1, 1, 1, 2, 0, 0, 0, 1, 0}); // epoch 2 frame kept for later
    fences.write(
        new byte[] {1, 4, 1, 1, 0, 0, 0, 1, 0}); // rank 4: outside the fence, stale incarnation
    fences.write(
        new byte[] {2, 2, (byte) 0xf3}); // epoch 2: rank 1 not a member -> kept frame dropped
    fences.write(new byte[] {2, 1, 0x55}); // older fence: ignored
    fences.write(new byte[] {1, 1, 1, 3, 0, 0, 0, 1, 0}); // epoch 3 frame kept
    fences.write(new byte[] {2, 3, 0x55}); // epoch 3, rank 1 inc 1: still admitted
    fences.write(new byte[] {3, 1, 3, 0, 0}); // take it
    Files.write(inbox.resolve("fences"), fences.toByteArray());
  }
}
