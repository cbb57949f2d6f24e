package org.eep.api.comm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eep.api.config.EepConfig;
import org.junit.jupiter.api.Test;

class FrameAuthTest {
  private final ByteBuffer head = ByteBuffer.wrap("head".getBytes(StandardCharsets.UTF_8));
  private final ByteBuffer payload = ByteBuffer.wrap("payload".getBytes(StandardCharsets.UTF_8));

  @Test
  void isOffWithoutASecretAndOnWithOne() {
    assertThat(FrameAuth.from(EepConfig.of(Map.of())).enabled()).isFalse();
    assertThat(FrameAuth.from(EepConfig.of(Map.of())).tagBytes()).isZero();
    FrameAuth on =
        FrameAuth.from(EepConfig.of(Map.of("eep_secret", "s3cret", "eep_instance", "qwen")));
    assertThat(on.enabled()).isTrue();
    assertThat(on.tagBytes()).isEqualTo(32);
    assertThat(on.toString())
        .isEqualTo("FrameAuth[hmac-sha256, instance=qwen]")
        .doesNotContain("s3cret");
    assertThatThrownBy(() -> FrameAuth.none().tag(0, 0, head, payload))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> FrameAuth.hmac("x", "")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theTagIsTheDocumentedConstruction() throws Exception {
    Mac derive = Mac.getInstance("HmacSHA256");
    derive.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] key = derive.doFinal("eep-frame|qwen|3|7".getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update(new byte[] {5, 1, 0, 0}); // receiver 261, little-endian
    mac.update("head".getBytes(StandardCharsets.UTF_8));
    byte[] expected = mac.doFinal("payload".getBytes(StandardCharsets.UTF_8));

    FrameAuth toRank261 = FrameAuth.hmac("qwen", "s3cret").toReceiver(261);
    byte[] tag = toRank261.tag(3, 7, head, payload);
    assertThat(HexFormat.of().formatHex(tag)).isEqualTo(HexFormat.of().formatHex(expected));
    assertThat(toRank261.receiver()).isEqualTo(261);
    assertThat(toRank261.toString())
        .isEqualTo("FrameAuth[hmac-sha256, instance=qwen, receiver=261]");
    assertThat(head.position()).isZero();
    assertThat(payload.position()).isZero();
  }

  @Test
  void verifyAcceptsOnlyTheTagOfThatIdentityAndThoseBytes() {
    FrameAuth auth = FrameAuth.hmac("qwen", "s3cret");
    ByteBuffer tag = ByteBuffer.wrap(auth.tag(3, 7, head, payload));
    assertThat(auth.verify(3, 7, head, payload, tag)).isTrue();
    assertThat(auth.verify(3, 8, head, payload, tag)).as("another incarnation").isFalse();
    assertThat(auth.verify(2, 7, head, payload, tag)).as("another sender").isFalse();
    assertThat(auth.verify(3, 7, head, ByteBuffer.wrap(new byte[] {1}), tag))
        .as("other bytes")
        .isFalse();
    assertThat(auth.verify(3, 7, head, payload, tag.duplicate().limit(31)))
        .as("short tag")
        .isFalse();
    assertThat(FrameAuth.hmac("qwen2", "s3cret").verify(3, 7, head, payload, tag))
        .as("other instance")
        .isFalse();
    assertThat(tag.position()).isZero();
  }

  @Test
  void aTagIsBoundToItsDestination() {
    FrameAuth auth = FrameAuth.hmac("qwen", "s3cret");
    ByteBuffer toRank1 = ByteBuffer.wrap(auth.toReceiver(1).tag(0, 1, head, payload));
    assertThat(auth.toReceiver(1).verify(0, 1, head, payload, toRank1)).isTrue();
    assertThat(auth.toReceiver(2).verify(0, 1, head, payload, toRank1))
        .as("redirected to rank 2")
        .isFalse();
    assertThat(auth.verify(0, 1, head, payload, toRank1)).as("unbound").isFalse();
    FrameAuth bound = auth.toReceiver(1);
    assertThat(bound.toReceiver(1)).isSameAs(bound);
    assertThat(FrameAuth.none().toReceiver(3)).isSameAs(FrameAuth.none());
  }

  @Test
  void directAndReadOnlyBuffersTagLikeHeapOnes() {
    FrameAuth auth = FrameAuth.hmac("qwen", "s3cret");
    ByteBuffer direct =
        ByteBuffer.allocateDirect(payload.remaining()).put(payload.duplicate()).flip();
    assertThat(auth.tag(1, 1, head.asReadOnlyBuffer(), direct))
        .isEqualTo(auth.tag(1, 1, head, payload));
  }
}
