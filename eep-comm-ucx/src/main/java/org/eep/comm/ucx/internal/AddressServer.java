package org.eep.comm.ucx.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport's listener: a TCP socket bound to {@code eep_host} on a fresh ephemeral port that
 * hands every connecting peer this rank's UCP worker address, then hangs up. The peer opens its UCP
 * endpoint to that worker address; UCX makes its own connections from there.
 *
 * <p>Wire form: {@code "EEPU"} | version u8 | rank i32 | length i32 | worker address (big-endian).
 *
 * <p>Threading: one daemon thread per server accepts and answers, one peer at a time (an answer is
 * a few hundred bytes). {@link #fetch} blocks the calling thread for at most its timeout.
 */
final class AddressServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AddressServer.class);
  private static final int MAGIC = 0x45455055;
  private static final byte VERSION = 1;
  private static final int MAX_ADDRESS_BYTES = 1 << 16;

  private final ServerSocketChannel channel;
  private final ByteBuffer answer;
  private final UcxAddress address;
  private final Thread thread;

  private AddressServer(ServerSocketChannel channel, WorkerAddress served) throws IOException {
    this.channel = channel;
    this.answer =
        ByteBuffer.allocate(13 + served.length())
            .putInt(MAGIC)
            .put(VERSION)
            .putInt(served.rank())
            .putInt(served.length())
            .put(served.bytes())
            .flip();
    this.address = UcxAddress.of((InetSocketAddress) channel.getLocalAddress());
    this.thread = new Thread(this::serve, "eep-ucx-address-r" + served.rank());
    thread.setDaemon(true);
  }

  /** Listens on {@code host} at an ephemeral port and starts answering with {@code served}. */
  static AddressServer start(String host, WorkerAddress served) throws IOException {
    ServerSocketChannel channel = ServerSocketChannel.open();
    try {
      channel.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      AddressServer server = new AddressServer(channel, served);
      server.thread.start();
      return server;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  UcxAddress address() {
    return address;
  }

  /**
   * Asks the server at {@code target} for its worker address.
   *
   * @throws IOException if it cannot be reached within {@code timeout} or answers nonsense
   */
  static WorkerAddress fetch(UcxAddress target, Duration timeout) throws IOException {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    try (Socket socket = new Socket()) {
      socket.connect(target.socketAddress(), millis);
      socket.setSoTimeout(millis);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      if (in.readInt() != MAGIC) {
        throw new IOException(target + " is not a ucx transport");
      }
      byte version = in.readByte();
      if (version != VERSION) {
        throw new IOException(
            target + " speaks address protocol version " + version + ", expected " + VERSION);
      }
      int rank = in.readInt();
      int length = in.readInt();
      if (length <= 0 || length > MAX_ADDRESS_BYTES) {
        throw new IOException(target + " sent a worker address of " + length + " bytes");
      }
      byte[] bytes = new byte[length];
      in.readFully(bytes);
      return new WorkerAddress(rank, bytes);
    } catch (EOFException e) {
      throw new IOException(target + " hung up before sending its worker address", e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("Closing the address server at {} failed", address, e);
    }
  }

  private void serve() {
    while (channel.isOpen()) {
      try (SocketChannel peer = channel.accept()) {
        ByteBuffer out = answer.duplicate();
        while (out.hasRemaining()) {
          peer.write(out);
        }
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        LOG.debug("Answering a peer at {} failed: {}", address, e.getMessage());
      }
    }
  }
}
