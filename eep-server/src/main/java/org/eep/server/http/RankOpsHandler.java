package org.eep.server.http;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.eep.server.instance.ServedInstance;

/**
 * {@code POST /v1/eep/ranks/{r}/drain} and {@code POST /v1/eep/ranks/{r}/rejoin}, one operation at
 * a time, both idempotent: each answers with the slot as it ends up ({@code changed} false when it
 * was there already), 409 with the reason when the operation is not possible now (draining the last
 * active rank, or one whose experts could not be restored elsewhere; rejoining a slot whose
 * previous process still runs), and waits (bounded) for the view that shows the change.
 */
final class RankOpsHandler extends JsonHandler {
  static final String PREFIX = "/v1/eep/ranks/";
  private static final Pattern PATH =
      Pattern.compile(Pattern.quote(PREFIX) + "(-?\\d+)/(drain|rejoin)");
  private static final Duration DRAIN_WAIT = Duration.ofSeconds(60);
  private static final Duration REJOIN_WAIT = Duration.ofMinutes(5);

  private final ServedInstance instance;

  RankOpsHandler(ServedInstance instance) {
    super("POST");
    this.instance = requireNonNull(instance, "instance is null");
  }

  @Override
  void serve(HttpExchange ex) throws Exception {
    Matcher m = PATH.matcher(ex.getRequestURI().getPath());
    if (!m.matches()) {
      throw HttpProblem.notFound(
          ex.getRequestURI().getPath()
              + " is not an operation; use "
              + PREFIX
              + "{rank}/drain or "
              + PREFIX
              + "{rank}/rejoin");
    }
    int r;
    try {
      r = Integer.parseInt(m.group(1));
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest("rank " + m.group(1) + " is not a number");
    }
    if (r < 0 || r >= instance.size()) {
      throw HttpProblem.notFound(
          "rank " + r + " does not exist; the instance has slots 0.." + (instance.size() - 1));
    }
    synchronized (instance) {
      send(ex, 200, m.group(2).equals("drain") ? drain(r) : rejoin(r));
    }
  }

  private Map<String, Object> drain(int r) throws Exception {
    MembershipView v = instance.view();
    Slot slot = v.slot(r);
    if (slot.state() != SlotState.ACTIVE && slot.state() != SlotState.JOINING) {
      return outcome(v, r, false);
    }
    if (slot.state() == SlotState.ACTIVE && v.activeCount() == 1) {
      throw HttpProblem.conflict(
          "rank " + r + " is the last active rank; draining it would stop the instance");
    }
    int[] missing = instance.missingWithout(r);
    if (missing.length > 0) {
      throw HttpProblem.conflict(
          "draining rank "
              + r
              + " would leave logical experts "
              + Arrays.toString(missing)
              + " without a replica (no free slot on the other ranks to restore them); rejoin a"
              + " rank or raise eep_redundant_experts first");
    }
    long incarnation = slot.incarnation();
    instance.drain(r);
    MembershipView after =
        instance.awaitView(
            w -> w.slot(r).incarnation() != incarnation || w.slot(r).state() != slot.state(),
            DRAIN_WAIT);
    if (after == null) {
      throw new HttpProblem(
          503,
          "rank " + r + " was asked to leave but the view did not change within " + DRAIN_WAIT);
    }
    return outcome(after, r, true);
  }

  private Map<String, Object> rejoin(int r) throws Exception {
    MembershipView v = instance.view();
    Slot slot = v.slot(r);
    if (slot.state() == SlotState.ACTIVE || slot.state() == SlotState.JOINING) {
      return outcome(v, r, false);
    }
    try {
      instance.rejoin(r);
    } catch (IllegalStateException e) {
      throw HttpProblem.conflict(e.getMessage());
    }
    long before = slot.incarnation();
    MembershipView after =
        instance.awaitView(
            w -> w.slot(r).state() == SlotState.ACTIVE && w.slot(r).incarnation() > before,
            REJOIN_WAIT);
    if (after == null) {
      throw new HttpProblem(
          503, "rank " + r + " was started again but is not ACTIVE after " + REJOIN_WAIT);
    }
    return outcome(after, r, true);
  }

  private static Map<String, Object> outcome(MembershipView v, int r, boolean changed) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("rank", r);
    o.put("state", v.slot(r).state());
    o.put("incarnation", v.slot(r).incarnation());
    o.put("epoch", v.epoch());
    o.put("changed", changed);
    return o;
  }
}
