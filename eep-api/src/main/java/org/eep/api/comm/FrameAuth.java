package org.eep.api.comm;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;

/**
 * Data-plane frame authentication: whether frames carry an HMAC-SHA256 tag, and computing and
 * checking it. {@link #none()} is the open setting (no {@code eep_secret}); {@link #hmac} is the
 * authenticated one, which every byte-stream transport gets from {@link #from(EepConfig)}.
 *
 * <p>Keys: each sender incarnation signs with its own key, derived from the instance secret: {@code
 * K(sender, incarnation) = HMAC-SHA256(secret, "eep-frame|" + instance + "|" + sender + "|" +
 * incarnation)} (UTF-8; sender and incarnation in decimal, so the string parses unambiguously from
 * the right). The tag of a frame is {@code HMAC-SHA256(K(sender, incarnation), receiver || header
 * || payload)}, all {@value #TAG_BYTES} bytes: {@code receiver} is the destination rank as 4
 * little-endian bytes (not sent: both ends know it), then the whole {@link FrameCodec} header
 * (which carries the payload length and the {@link FrameCodec#FLAG_AUTHENTICATED authenticated}
 * flag) and the payload. The sender and incarnation a receiver derives the key from are the ones
 * the header claims, and the receiver is itself, so a tag is valid only for the identity,
 * destination, epoch, step and bytes it was made for: a frame cannot be re-labelled to another
 * incarnation, redirected to another rank (whose message of the same step would have the same key)
 * or moved to another instance. What the tag does not decide — an old epoch, a stale incarnation, a
 * copy of a frame already received — is the {@link Inbox}'s job.
 *
 * <p>A transport binds the receiver with {@link #toReceiver}: the peer's rank to send, its own rank
 * to receive. An unbound instance ({@link #receiver()} = -1, as {@link #from} and {@link #hmac}
 * return) tags for "no particular rank"; such tags are only good between unbound instances (tests,
 * tools), never accepted by a bound receiver.
 *
 * <p>Every process that knows the secret can sign as any rank: the secret admits members, it does
 * not tell them apart (see docs/SECURITY.md). Tags are compared in constant time. The secret is
 * never printed.
 *
 * <p>Thread-safe: {@link Mac} instances are per thread; derived keys are cached (bounded).
 */
public final class FrameAuth {
  /** Size of the tag an authenticated frame ends with. */
  public static final int TAG_BYTES = 32;

  private static final String ALGORITHM = "HmacSHA256";

  /** Derived keys kept; a flood of made-up identities only costs re-deriving. */
  private static final int KEY_CACHE_LIMIT = 1024;

  /** {@link #receiver()} of an instance not bound to a destination. */
  public static final int ANY_RECEIVER = -1;

  private static final FrameAuth NONE = new FrameAuth("", null, null, ANY_RECEIVER);
  private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(FrameAuth::newMac);

  private final String instance;
  private final SecretKeySpec secret;

  /** Derived keys, shared by every receiver-bound copy. */
  private final Map<Identity, SecretKeySpec> keys;

  private final int receiver;
  private final byte[] receiverBytes;

  private record Identity(int sender, long incarnation) {}

  private FrameAuth(
      String instance, SecretKeySpec secret, Map<Identity, SecretKeySpec> keys, int receiver) {
    this.instance = instance;
    this.secret = secret;
    this.keys = keys;
    this.receiver = receiver;
    this.receiverBytes =
        new byte[] {
          (byte) receiver,
          (byte) (receiver >>> 8),
          (byte) (receiver >>> 16),
          (byte) (receiver >>> 24)
        };
  }

  /** No authentication: frames carry no tag, and a tagged frame is refused as malformed. */
  public static FrameAuth none() {
    return NONE;
  }

  /**
   * Frames of {@code instance} tagged with keys derived from {@code secret} (UTF-8).
   *
   * @throws IllegalArgumentException if the secret is empty
   */
  public static FrameAuth hmac(String instance, String secret) {
    requireNonNull(secret, "secret is null");
    return hmac(instance, secret.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Frames of {@code instance} tagged with keys derived from {@code secret} (copied).
   *
   * @throws IllegalArgumentException if the secret is empty
   */
  public static FrameAuth hmac(String instance, byte[] secret) {
    requireNonNull(instance, "instance is null");
    requireNonNull(secret, "secret is null");
    if (secret.length == 0) {
      throw new IllegalArgumentException("secret is empty");
    }
    return new FrameAuth(
        instance,
        new SecretKeySpec(secret.clone(), ALGORITHM),
        new ConcurrentHashMap<>(),
        ANY_RECEIVER);
  }

  /**
   * {@link #hmac} with {@code eep_instance} and {@code eep_secret} if the secret is set, else
   * {@link #none()}.
   */
  public static FrameAuth from(EepConfig config) {
    requireNonNull(config, "config is null");
    String s = config.getString(EepKeys.SECRET);
    return s.isEmpty() ? NONE : hmac(config.getString(EepKeys.INSTANCE), s);
  }

  /**
   * The same setting bound to frames whose destination is {@code rank}: sign with the peer's rank,
   * verify with your own. {@link #none()} stays {@link #none()}.
   */
  public FrameAuth toReceiver(int rank) {
    if (rank < 0) {
      throw new IllegalArgumentException("rank < 0: " + rank);
    }
    return secret == null || rank == receiver ? this : new FrameAuth(instance, secret, keys, rank);
  }

  /** The destination rank tags are bound to, or {@link #ANY_RECEIVER}. */
  public int receiver() {
    return receiver;
  }

  /** True if frames are tagged and tags are required. */
  public boolean enabled() {
    return secret != null;
  }

  /** Bytes the tag adds to a frame: {@value #TAG_BYTES}, or 0 without authentication. */
  public int tagBytes() {
    return enabled() ? TAG_BYTES : 0;
  }

  /**
   * The tag of a frame from {@code sender}/{@code incarnation} to {@link #receiver()} whose bytes
   * before the tag are the remaining bytes of {@code head} followed by those of {@code payload}
   * (positions not moved).
   *
   * @throws IllegalStateException without authentication
   */
  public byte[] tag(int sender, long incarnation, ByteBuffer head, ByteBuffer... payload) {
    requireNonNull(head, "head is null");
    requireNonNull(payload, "payload is null");
    Mac mac = keyed(sender, incarnation);
    mac.update(receiverBytes);
    mac.update(head.duplicate());
    for (ByteBuffer part : payload) {
      mac.update(part.duplicate());
    }
    return mac.doFinal();
  }

  /**
   * True if the remaining bytes of {@code tag} are the tag of {@code head} and {@code payload} from
   * {@code sender}/{@code incarnation} to {@link #receiver()} (constant-time comparison; no
   * position is moved).
   *
   * @throws IllegalStateException without authentication
   */
  public boolean verify(
      int sender, long incarnation, ByteBuffer head, ByteBuffer payload, ByteBuffer tag) {
    requireNonNull(tag, "tag is null");
    byte[] expected = tag(sender, incarnation, head, payload);
    if (tag.remaining() != expected.length) {
      return false;
    }
    byte[] actual = new byte[expected.length];
    tag.duplicate().get(actual);
    return MessageDigest.isEqual(expected, actual);
  }

  private Mac keyed(int sender, long incarnation) {
    if (secret == null) {
      throw new IllegalStateException("frame authentication is off (no eep_secret)");
    }
    Identity id = new Identity(sender, incarnation);
    SecretKeySpec key = keys.get(id);
    if (key == null) {
      if (keys.size() >= KEY_CACHE_LIMIT) {
        keys.clear();
      }
      key = keys.computeIfAbsent(id, this::derive);
    }
    Mac mac = MACS.get();
    try {
      mac.init(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot key " + ALGORITHM, e);
    }
    return mac;
  }

  private SecretKeySpec derive(Identity id) {
    Mac mac = MACS.get();
    try {
      mac.init(secret);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot key " + ALGORITHM, e);
    }
    String label = "eep-frame|" + instance + "|" + id.sender() + "|" + id.incarnation();
    return new SecretKeySpec(mac.doFinal(label.getBytes(StandardCharsets.UTF_8)), ALGORITHM);
  }

  private static Mac newMac() {
    try {
      return Mac.getInstance(ALGORITHM);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(ALGORITHM + " is not available in this JVM", e);
    }
  }

  @Override
  public String toString() {
    return enabled()
        ? "FrameAuth[hmac-sha256, instance="
            + instance
            + (receiver == ANY_RECEIVER ? "" : ", receiver=" + receiver)
            + "]"
        : "FrameAuth[none]";
  }
}
