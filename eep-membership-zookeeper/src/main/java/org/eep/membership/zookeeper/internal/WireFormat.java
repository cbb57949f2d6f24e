package org.eep.membership.zookeeper.internal;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipRequest;
import org.eep.api.membership.MembershipRules.Answer;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;

/**
 * Text encoding of views, requests and replies in znode data: UTF-8 lines of space-separated
 * fields, free text URL-encoded, readable with {@code zkCli.sh get}. A view:
 *
 * <pre>
 *   eep-view 1
 *   epoch 7
 *   state SERVING
 *   cause rank+2+failed%3A+...
 *   slot 0 ACTIVE 1 10.0.0.1%3A4000
 * </pre>
 *
 * Decoding throws {@link IllegalArgumentException} on anything malformed. Stateless.
 */
final class WireFormat {
  private static final String VIEW_HEADER = "eep-view 1";

  private WireFormat() {}

  static byte[] encode(MembershipView v) {
    StringBuilder sb =
        new StringBuilder(VIEW_HEADER)
            .append('\n')
            .append("epoch ")
            .append(v.epoch())
            .append('\n')
            .append("state ")
            .append(v.state().name())
            .append('\n')
            .append("cause ")
            .append(enc(v.cause()))
            .append('\n');
    for (Slot s : v.slots()) {
      sb.append("slot ")
          .append(s.rank())
          .append(' ')
          .append(s.state().name())
          .append(' ')
          .append(s.incarnation())
          .append(' ')
          .append(enc(s.address()))
          .append('\n');
    }
    return bytes(sb);
  }

  static MembershipView decodeView(byte[] data) {
    String[] lines = text(data).split("\n");
    if (lines.length < 4 || !VIEW_HEADER.equals(lines[0])) {
      throw new IllegalArgumentException("not an EEP view: " + abbreviate(text(data)));
    }
    long epoch = Long.parseLong(field(lines[1], "epoch", 2)[1]);
    InstanceState state = InstanceState.valueOf(field(lines[2], "state", 2)[1]);
    String cause = dec(field(lines[3], "cause", 2)[1]);
    List<Slot> slots = new ArrayList<>();
    for (int i = 4; i < lines.length; i++) {
      String[] f = field(lines[i], "slot", 5);
      slots.add(
          new Slot(
              Integer.parseInt(f[1]), SlotState.valueOf(f[2]), Long.parseLong(f[3]), dec(f[4])));
    }
    return new MembershipView(epoch, state, slots, cause);
  }

  static byte[] encode(MembershipRequest r) {
    String line;
    if (r instanceof MembershipRequest.Join j) {
      line = "join " + j.rank() + " " + j.incarnation() + " " + enc(j.address());
    } else if (r instanceof MembershipRequest.Activate a) {
      line = "activate " + a.rank() + " " + a.incarnation();
    } else if (r instanceof MembershipRequest.Leave l) {
      line = "leave " + l.rank() + " " + l.incarnation();
    } else {
      Evidence e = ((MembershipRequest.Report) r).evidence();
      line =
          "evidence "
              + kind(e)
              + " "
              + e.suspect()
              + " "
              + e.incarnation()
              + " "
              + e.reporter()
              + " "
              + enc(e.detail());
    }
    return bytes(line);
  }

  static MembershipRequest decodeRequest(byte[] data) {
    String[] f = text(data).split(" ", -1);
    try {
      return switch (f[0]) {
        case "join" ->
            new MembershipRequest.Join(Integer.parseInt(f[1]), Long.parseLong(f[2]), dec(f[3]));
        case "activate" ->
            new MembershipRequest.Activate(Integer.parseInt(f[1]), Long.parseLong(f[2]));
        case "leave" -> new MembershipRequest.Leave(Integer.parseInt(f[1]), Long.parseLong(f[2]));
        case "evidence" ->
            new MembershipRequest.Report(
                evidence(
                    f[1],
                    Integer.parseInt(f[2]),
                    Long.parseLong(f[3]),
                    Integer.parseInt(f[4]),
                    dec(f[5])));
        default -> throw new IllegalArgumentException("unknown request " + f[0]);
      };
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("truncated request: " + abbreviate(text(data)), e);
    }
  }

  static byte[] encode(Answer r) {
    return bytes(r.status().name() + " " + r.value() + " " + enc(r.message()));
  }

  static Answer decodeReply(byte[] data) {
    String[] f = text(data).split(" ", -1);
    if (f.length != 3) {
      throw new IllegalArgumentException("not a reply: " + abbreviate(text(data)));
    }
    return new Answer(Answer.Status.valueOf(f[0]), Long.parseLong(f[1]), dec(f[2]));
  }

  private static String kind(Evidence e) {
    if (e instanceof Evidence.TransportError) {
      return "transport";
    }
    if (e instanceof Evidence.MissedHeartbeats) {
      return "heartbeats";
    }
    return e instanceof Evidence.ProbeFailed ? "probe" : "deadline";
  }

  private static Evidence evidence(
      String kind, int suspect, long incarnation, int reporter, String detail) {
    return switch (kind) {
      case "transport" -> new Evidence.TransportError(suspect, incarnation, reporter, detail);
      case "heartbeats" -> new Evidence.MissedHeartbeats(suspect, incarnation, reporter, detail);
      case "deadline" -> new Evidence.DeadlineMiss(suspect, incarnation, reporter, detail);
      case "probe" -> new Evidence.ProbeFailed(suspect, incarnation, reporter, detail);
      default -> throw new IllegalArgumentException("unknown evidence " + kind);
    };
  }

  private static String[] field(String line, String name, int count) {
    String[] f = line.split(" ", -1);
    if (f.length != count || !f[0].equals(name)) {
      throw new IllegalArgumentException(
          "expected '" + name + "' with " + (count - 1) + " values: " + abbreviate(line));
    }
    return f;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String dec(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(CharSequence s) {
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] data) {
    return data == null ? "" : new String(data, StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }
}
