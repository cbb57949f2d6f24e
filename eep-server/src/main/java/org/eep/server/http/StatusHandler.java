package org.eep.server.http;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Owner;
import org.eep.api.membership.Slot;
import org.eep.server.instance.ServedInstance;

/**
 * {@code GET /v1/eep/status}: the newest view (epoch, each slot's state and incarnation), coverage,
 * the requests each incarnation holds, and what each rank reports of itself (counters, step
 * timings, repairs).
 */
final class StatusHandler extends JsonHandler {
  private final ServedInstance instance;
  private final String modelName;

  StatusHandler(ServedInstance instance, String modelName) {
    super("GET");
    this.instance = requireNonNull(instance, "instance is null");
    this.modelName = requireNonNull(modelName, "modelName is null");
  }

  @Override
  void serve(HttpExchange ex) throws Exception {
    send(ex, 200, status(instance, modelName));
  }

  static Map<String, Object> status(ServedInstance instance, String modelName) {
    MembershipView v = instance.view();
    Map<Owner, Long> load = instance.router().load();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("model", modelName);
    s.put("ranks_are", instance.describe());
    s.put("epoch", v.epoch());
    s.put("state", v.state());
    s.put("cause", v.cause());
    List<Map<String, Object>> slots = new ArrayList<>();
    for (Slot slot : v.slots()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", slot.rank());
      m.put("state", slot.state());
      m.put("incarnation", slot.incarnation());
      m.put("requests", load.getOrDefault(new Owner(slot.rank(), slot.incarnation()), 0L));
      m.put("rank_status", instance.rankStatus(slot.rank()));
      slots.add(m);
    }
    s.put("slots", slots);
    int[] uncovered = instance.router().uncoveredExperts();
    s.put("coverage", Map.of("full", uncovered.length == 0, "uncovered", uncovered));
    s.put(
        "requests",
        Map.of(
            "outstanding", instance.router().outstanding(),
            "requeued", instance.router().requeued()));
    return s;
  }
}
