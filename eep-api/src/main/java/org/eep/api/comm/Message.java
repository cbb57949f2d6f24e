package org.eep.api.comm;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;

/** A received message: its header and a read-only payload owned by the receiver. */
public record Message(MessageHeader header, ByteBuffer payload) {
  public Message {
    requireNonNull(header, "header is null");
    requireNonNull(payload, "payload is null");
  }
}
