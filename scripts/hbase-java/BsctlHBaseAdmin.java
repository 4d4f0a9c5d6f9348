// The admin helper of scripts/hbase (`scripts/hbase admin <command> ...`): the few table operations the
// tests and users need that the REST gateway does not offer (pre-split tables, region splits, region
// listings with their servers), through HBase's own Java client. scripts/hbase compiles it with javac
// against the cached HBase jars, keyed on this file's hash, and runs it with the conf dir of the running
// HBase on the classpath (hbase-site.xml: the ZooKeeper quorum and port).
//
//   create <table> --families cf1[,cf2] [--splits k1,k2,...] [--regions N [--key-space hex|decimal:W]]
//   drop <table>
//   regions <table>                 one JSON line per region, ordered by start key
//   split <table> <row>             split the region holding <row> at <row>; returns once it is done
//   load <table> <file|->           TSV lines rowkey<TAB>family:qualifier<TAB>value, batched puts
//
// Keys and values are UTF-8 text. Exit codes: 0 done, 1 HBase refused or failed, 2 bad arguments.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HRegionLocation;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.BufferedMutator;
import org.apache.hadoop.hbase.client.BufferedMutatorParams;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;

public final class BsctlHBaseAdmin {
  /** A refusal with a message for the user (exit code 1, or 2 for bad arguments); no stack trace. */
  static final class Refused extends RuntimeException {
    final int code;

    Refused(int code, String message) {
      super(message);
      this.code = code;
    }
  }

  static final long SPLIT_TIMEOUT_MS = 120_000;
  static final int LOAD_BATCH = 1000;

  public static void main(String[] args) {
    int code;
    try {
      code = run(args);
    } catch (Refused e) {
      System.err.println("scripts/hbase: " + e.getMessage());
      code = e.code;
    } catch (Exception e) {
      System.err.println("scripts/hbase: " + (args.length > 0 ? args[0] + ": " : "") + e);
      code = 1;
    }
    System.out.flush();
    // HBase's client leaves non-daemon threads behind: exit explicitly.
    System.exit(code);
  }

  static int run(String[] args) throws Exception {
    if (args.length == 0) throw usage();
    String cmd = args[0];
    List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
    switch (cmd) {
      case "create": return create(rest);
      case "drop": return drop(rest);
      case "regions": return regions(rest);
      case "split": return split(rest);
      case "load": return load(rest);
      default: throw usage();
    }
  }

  static Refused usage() {
    return new Refused(2, "usage: scripts/hbase admin create <table> --families cf1[,cf2] [--splits k1,k2,... | --regions N [--key-space hex|decimal:W]]"
        + " | drop <table> | regions <table> | split <table> <row> | load <table> <file|->");
  }

  /** HBase's rule for a table name in the default namespace: [A-Za-z0-9_.-], not starting with '.' or '-'. */
  static TableName tableName(String name) {
    if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
      throw new Refused(2, "bad table name \"" + name + "\": use letters, digits, '_', '-' and '.', not starting with '.' or '-'");
    }
    try {
      return TableName.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new Refused(2, "bad table name \"" + name + "\": " + e.getMessage());
    }
  }

  static Connection connect() throws IOException {
    Configuration conf = HBaseConfiguration.create();
    return ConnectionFactory.createConnection(conf);
  }

  static String option(List<String> args, String name) {
    int i = args.indexOf(name);
    if (i < 0) return null;
    if (i + 1 >= args.size()) throw new Refused(2, name + " needs a value");
    String value = args.get(i + 1);
    args.remove(i + 1);
    args.remove(i);
    return value;
  }

  static String onlyArg(List<String> args, String what) {
    for (String a : args) if (a.startsWith("--")) throw new Refused(2, "unknown option " + a);
    if (args.size() != 1) throw usage();
    return args.get(0);
  }

  // create <table> --families cf1[,cf2] [--splits k1,k2,...] [--regions N [--key-space hex|decimal:W]]
  static int create(List<String> args) throws IOException {
    String families = option(args, "--families");
    String splits = option(args, "--splits");
    String regions = option(args, "--regions");
    String keySpace = option(args, "--key-space");
    TableName table = tableName(onlyArg(args, "table"));
    if (families == null || families.isEmpty()) throw new Refused(2, "create: --families cf1[,cf2] is required");
    if (splits != null && regions != null) throw new Refused(2, "create: give --splits or --regions, not both");
    if (keySpace != null && regions == null) throw new Refused(2, "create: --key-space goes with --regions");
    byte[][] splitKeys = splits != null ? splitKeysFrom(splits) : regions != null ? evenSplits(regions, keySpace) : new byte[0][];
    TableDescriptorBuilder desc = TableDescriptorBuilder.newBuilder(table);
    for (String f : families.split(",")) {
      if (!f.matches("[A-Za-z0-9_.-]+") || f.startsWith(".")) throw new Refused(2, "create: bad column family \"" + f + "\"");
      desc.setColumnFamily(ColumnFamilyDescriptorBuilder.of(f));
    }
    try (Connection conn = connect(); Admin admin = conn.getAdmin()) {
      if (admin.tableExists(table)) throw new Refused(1, "create: table " + table + " already exists");
      if (splitKeys.length == 0) admin.createTable(desc.build());
      else admin.createTable(desc.build(), splitKeys);
    }
    System.out.println("created " + table + " (" + (splitKeys.length + 1) + " regions, families " + families + ")");
    return 0;
  }

  static byte[][] splitKeysFrom(String list) {
    String[] keys = list.split(",", -1);
    byte[][] out = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].isEmpty()) throw new Refused(2, "create: empty split key in --splits");
      out[i] = Bytes.toBytes(keys[i]);
      if (i > 0 && Bytes.compareTo(out[i - 1], out[i]) >= 0) throw new Refused(2, "create: --splits must be in increasing order without repeats");
    }
    return out;
  }

  /** N regions over a key space: hex (8 lowercase hex digits, 00000000..ffffffff) or decimal:W (W digits). */
  static byte[][] evenSplits(String n, String keySpace) {
    int regions;
    try {
      regions = Integer.parseInt(n);
    } catch (NumberFormatException e) {
      throw new Refused(2, "create: --regions needs a number, not \"" + n + "\"");
    }
    if (regions < 1 || regions > 1000) throw new Refused(2, "create: --regions must be 1..1000");
    String space = keySpace == null ? "hex" : keySpace;
    long size;
    String format;
    if (space.equals("hex")) {
      size = 1L << 32;
      format = "%08x";
    } else if (space.matches("decimal:[1-9][0-9]?")) {
      int width = Integer.parseInt(space.substring("decimal:".length()));
      if (width > 18) throw new Refused(2, "create: decimal key width must be at most 18");
      size = (long) Math.pow(10, width);
      format = "%0" + width + "d";
    } else {
      throw new Refused(2, "create: --key-space is hex or decimal:W, not \"" + space + "\"");
    }
    if (regions > size) throw new Refused(2, "create: more regions than keys in " + space);
    byte[][] out = new byte[regions - 1][];
    for (int i = 1; i < regions; i++) {
      long key = (long) (size * ((double) i / regions));
      out[i - 1] = Bytes.toBytes(String.format(format, key));
    }
    return out;
  }

  static int drop(List<String> args) throws IOException {
    TableName table = tableName(onlyArg(args, "table"));
    try (Connection conn = connect(); Admin admin = conn.getAdmin()) {
      if (!admin.tableExists(table)) throw new Refused(1, "drop: no table " + table);
      if (!admin.isTableDisabled(table)) admin.disableTable(table);
      admin.deleteTable(table);
    }
    System.out.println("dropped " + table);
    return 0;
  }

  /** The table's online regions with their servers, ordered by start key (split parents left out). */
  static List<HRegionLocation> locations(Connection conn, TableName table) throws IOException {
    try (Admin admin = conn.getAdmin()) {
      if (!admin.tableExists(table)) throw new Refused(1, "no table " + table);
    }
    List<HRegionLocation> out = new ArrayList<>();
    try (RegionLocator locator = conn.getRegionLocator(table)) {
      locator.clearRegionLocationCache();
      for (HRegionLocation loc : locator.getAllRegionLocations()) {
        RegionInfo r = loc.getRegion();
        if (r == null || r.isOffline() || r.isSplitParent() || r.getReplicaId() != 0) continue;
        out.add(loc);
      }
    }
    out.sort((a, b) -> Bytes.compareTo(a.getRegion().getStartKey(), b.getRegion().getStartKey()));
    return out;
  }

  // One line per region: {"name","startKey","endKey","startKeyText","endKeyText","server"}: keys base64
  // (as in the REST gateway's JSON), *Text the same keys escaped as Bytes.toStringBinary does (\xNN).
  static int regions(List<String> args) throws IOException {
    TableName table = tableName(onlyArg(args, "table"));
    try (Connection conn = connect()) {
      for (HRegionLocation loc : locations(conn, table)) {
        RegionInfo r = loc.getRegion();
        String server = loc.getServerName() == null ? null : loc.getServerName().getAddress().toString();
        System.out.println("{\"name\":" + json(r.getEncodedName())
            + ",\"startKey\":" + json(Base64.getEncoder().encodeToString(r.getStartKey()))
            + ",\"endKey\":" + json(Base64.getEncoder().encodeToString(r.getEndKey()))
            + ",\"startKeyText\":" + json(Bytes.toStringBinary(r.getStartKey()))
            + ",\"endKeyText\":" + json(Bytes.toStringBinary(r.getEndKey()))
            + ",\"server\":" + (server == null ? "null" : json(server)) + "}");
      }
    }
    return 0;
  }

  static int split(List<String> args) throws Exception {
    for (String a : args) if (a.startsWith("--")) throw new Refused(2, "unknown option " + a);
    if (args.size() != 2) throw usage();
    TableName table = tableName(args.get(0));
    byte[] row = Bytes.toBytes(args.get(1));
    if (row.length == 0) throw new Refused(2, "split: the row must not be empty");
    try (Connection conn = connect(); Admin admin = conn.getAdmin()) {
      RegionInfo holder = null;
      for (HRegionLocation loc : locations(conn, table)) {
        if (loc.getRegion().containsRow(row)) holder = loc.getRegion();
      }
      if (holder == null) throw new Refused(1, "split: no online region of " + table + " holds row " + args.get(1));
      if (Bytes.equals(holder.getStartKey(), row)) {
        throw new Refused(1, "split: row " + args.get(1) + " already starts region " + holder.getEncodedName());
      }
      admin.splitRegionAsync(holder.getRegionName(), row).get(SPLIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      // The procedure is done once the daughters are in meta; wait until both are online with a server.
      long deadline = System.currentTimeMillis() + SPLIT_TIMEOUT_MS;
      while (true) {
        boolean lower = false;
        boolean upper = false;
        for (HRegionLocation loc : locations(conn, table)) {
          RegionInfo r = loc.getRegion();
          boolean online = loc.getServerName() != null;
          if (online && Bytes.equals(r.getStartKey(), holder.getStartKey()) && Bytes.equals(r.getEndKey(), row)) lower = true;
          if (online && Bytes.equals(r.getStartKey(), row) && Bytes.equals(r.getEndKey(), holder.getEndKey())) upper = true;
        }
        if (lower && upper) break;
        if (System.currentTimeMillis() > deadline) throw new Refused(1, "split: the daughters of " + holder.getEncodedName() + " were not online after " + SPLIT_TIMEOUT_MS / 1000 + " s");
        Thread.sleep(200);
      }
      System.out.println("split " + holder.getEncodedName() + " of " + table + " at " + args.get(1));
    }
    return 0;
  }

  // load <table> <file|->: TSV lines rowkey<TAB>family:qualifier<TAB>value (the value is the rest of the
  // line, tabs included); empty lines are skipped. Puts go out in batches through a BufferedMutator.
  static int load(List<String> args) throws IOException {
    for (String a : args) if (a.startsWith("--")) throw new Refused(2, "unknown option " + a);
    if (args.size() != 2) throw usage();
    TableName table = tableName(args.get(0));
    String file = args.get(1);
    long cells = 0;
    try (BufferedReader in = file.equals("-")
            ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
            : Files.newBufferedReader(Paths.get(file), StandardCharsets.UTF_8);
        Connection conn = connect()) {
      try (Admin admin = conn.getAdmin()) {
        if (!admin.tableExists(table)) throw new Refused(1, "load: no table " + table);
      }
      List<Put> batch = new ArrayList<>();
      try (BufferedMutator out = conn.getBufferedMutator(new BufferedMutatorParams(table))) {
        String line;
        long lineNo = 0;
        while ((line = in.readLine()) != null) {
          lineNo++;
          if (line.isEmpty()) continue;
          String[] f = line.split("\t", 3);
          int colon = f.length == 3 ? f[1].indexOf(':') : -1;
          if (f.length != 3 || f[0].isEmpty() || colon <= 0) {
            throw new Refused(1, "load: " + file + ":" + lineNo + ": expected rowkey<TAB>family:qualifier<TAB>value");
          }
          Put put = new Put(Bytes.toBytes(f[0]));
          put.addColumn(Bytes.toBytes(f[1].substring(0, colon)), Bytes.toBytes(f[1].substring(colon + 1)), Bytes.toBytes(f[2]));
          batch.add(put);
          cells++;
          if (batch.size() >= LOAD_BATCH) {
            out.mutate(batch);
            out.flush();
            batch.clear();
          }
        }
        out.mutate(batch);
        out.flush();
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Refused(1, "load: no such file " + file);
    }
    System.out.println("loaded " + cells + " cells into " + table);
    return 0;
  }

  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
