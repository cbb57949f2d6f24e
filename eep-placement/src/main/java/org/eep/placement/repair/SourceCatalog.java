package org.eep.placement.repair;

/**
 * Where each rank can get an expert's weights besides its peers. Must answer the same on every rank
 * for the same inputs (the repair plan is computed independently on each of them).
 */
public interface SourceCatalog {
  /** True if {@code rank}'s node keeps a host-memory backup of {@code expert}. */
  boolean hostHas(int rank, int expert);

  /** True if {@code rank} can read {@code expert} from the checkpoint on disk. */
  boolean diskHas(int rank, int expert);

  /** Every rank has every expert in host memory and on disk. */
  static SourceCatalog everywhere() {
    return new SourceCatalog() {
      @Override
      public boolean hostHas(int rank, int expert) {
        return true;
      }

      @Override
      public boolean diskHas(int rank, int expert) {
        return true;
      }
    };
  }

  /** No host backups; every rank reads the checkpoint from disk. */
  static SourceCatalog diskOnly() {
    return new SourceCatalog() {
      @Override
      public boolean hostHas(int rank, int expert) {
        return false;
      }

      @Override
      public boolean diskHas(int rank, int expert) {
        return true;
      }
    };
  }
}
