import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.Version;

/**
 * The Lucene side of `npm run bench:fullbuild -- --vs-lucene`: builds, from the same ha3 file bsctl reads, the
 * Lucene equivalent of what `bsctl run full-build` makes for fixtures/in1/schema.json.
 *
 * <pre>
 *   build FILE OUT PARTITIONS THREADS RAM_MB   index FILE into OUT/partition_0 .. OUT/partition_{P-1}
 *   stats OUT PARTITIONS FIELD...              doc count, segments, and per field distinct terms and sum of docFreq
 * </pre>
 *
 * Documents: ha3 (`name=value\x1F\n` lines, each document ended by `\x1E\n`, multi-values split by `\x1D`),
 * only CMD=add. THREADS threads each parse one slice of the file, cut after a `\x1E\n`, and add every document
 * to the IndexWriter of partition (id mod PARTITIONS), with updateDocument on the primary key `id`. Fields:
 * title, subject and default (= title and subject, two values of one field) analysed like bsctl's
 * simple_analyzer, DOCS_AND_FREQS without norms; tag (each value of tags, whole) and id as StringField (DOCS);
 * numeric doc values id, hits, createtime; sorted-set doc values tags; all six stored. Bad input prints one
 * line naming the file and byte offset and exits 2.
 */
public final class LuceneFullBuild {
  private static final byte RS = 0x1E;
  private static final byte US = 0x1F;
  private static final byte NL = '\n';
  private static final String MULTI = "\u001D";

  /** title / subject / default: tokenized, term frequencies but no positions, no norms, not stored here. */
  private static final FieldType TEXT = new FieldType();

  static {
    TEXT.setTokenized(true);
    TEXT.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
    TEXT.setOmitNorms(true);
    TEXT.setStored(false);
    TEXT.freeze();
  }

  /** bsctl's simple_analyzer: split on ' ' (U+3000 too: normalisation turns it into ' ' first). */
  static final class SpaceTokenizer extends Tokenizer {
    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
    private final OffsetAttribute offset = addAttribute(OffsetAttribute.class);
    private char[] text = new char[4096];
    private int len;
    private int pos;

    private static boolean isDelimiter(char c) {
      return c == ' ' || c == '\u3000';
    }

    @Override
    public void reset() throws IOException {
      super.reset();
      len = 0;
      pos = 0;
      for (int n; (n = input.read(text, len, text.length - len)) >= 0; ) {
        len += n;
        if (len == text.length) text = java.util.Arrays.copyOf(text, text.length * 2);
      }
    }

    @Override
    public boolean incrementToken() {
      clearAttributes();
      while (pos < len) {
        int start = pos;
        while (pos < len && !isDelimiter(text[pos])) pos++;
        int end = pos;
        if (pos < len) pos++;
        if (end > start) {
          term.copyBuffer(text, start, end - start);
          offset.setOffset(correctOffset(start), correctOffset(end));
          return true;
        }
      }
      return false;
    }

    @Override
    public void end() throws IOException {
      super.end();
      int last = correctOffset(len);
      offset.setOffset(last, last);
    }
  }

  /**
   * Havenask's normalisation as bsctl does it (framework/index/analyzers/normalize.ts), per UTF-16 unit:
   * U+FF01..U+FF5E to U+0021..U+007E, then ASCII A-Z to lower case (nothing else is lower-cased). Then
   * simple_analyzer's rule: a term that is one whitespace character (\t \n \v \f \r) is dropped.
   */
  static final class HavenaskNormalizeFilter extends TokenFilter {
    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);

    HavenaskNormalizeFilter(TokenStream in) {
      super(in);
    }

    private static boolean isSingleSpace(char c) {
      return c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r' || c == ' ';
    }

    @Override
    public boolean incrementToken() throws IOException {
      while (input.incrementToken()) {
        char[] b = term.buffer();
        int n = term.length();
        for (int i = 0; i < n; i++) {
          char c = b[i];
          if (c >= '\uFF01' && c <= '\uFF5E') c -= 0xFEE0;
          if (c >= 'A' && c <= 'Z') c += 0x20;
          b[i] = c;
        }
        if (n == 1 && isSingleSpace(b[0])) continue;
        return true;
      }
      return false;
    }
  }

  static final class SimpleAnalyzer extends Analyzer {
    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
      Tokenizer source = new SpaceTokenizer();
      return new TokenStreamComponents(source, new HavenaskNormalizeFilter(source));
    }
  }

  /** Bad input: one line naming the file and the byte offset. */
  static final class InputError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InputError(Path file, long offset, String message) {
      super(file + ": byte offset " + offset + ": " + message);
    }
  }

  /** Parses one slice [start, end) of the file and adds its documents to the writers. */
  static final class SliceIndexer {
    private final Path file;
    private final boolean endOfFile;
    private final IndexWriter[] writers;
    long docs;

    SliceIndexer(Path file, boolean endOfFile, IndexWriter[] writers) {
      this.file = file;
      this.endOfFile = endOfFile;
      this.writers = writers;
    }

    void run(long start, long end) throws IOException {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        byte[] buf = new byte[4 << 20];
        int have = 0;
        int docStart = 0;
        int scan = 0;
        long bufOffset = start; // file offset of buf[0]
        long filePos = start;
        while (true) {
          int rs = indexOfDocEnd(buf, scan, have);
          if (rs >= 0) {
            document(buf, docStart, rs, bufOffset + docStart);
            docStart = scan = rs + 2;
            continue;
          }
          if (filePos == end) break;
          if (docStart > 0) {
            System.arraycopy(buf, docStart, buf, 0, have - docStart);
            have -= docStart;
            bufOffset += docStart;
            docStart = 0;
          }
          if (have == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
          scan = Math.max(0, have - 1);
          int n = ch.read(ByteBuffer.wrap(buf, have, (int) Math.min(buf.length - have, end - filePos)), filePos);
          if (n < 0) throw new InputError(file, filePos, "file ended early (changed while being read?)");
          have += n;
          filePos += n;
        }
        int k = docStart;
        while (k < have && (buf[k] == NL || buf[k] == '\r' || buf[k] == ' ')) k++;
        if (k == have) return;
        if (endOfFile && buf[have - 1] == RS) document(buf, k, have - 1, bufOffset + k);
        else throw unterminated(buf, k, have, bufOffset + k, "final document has no \\x1E document terminator");
      }
    }

    /** The error for bytes [s, e) at `offset` that lack a separator: CRLF line ends, if that is why. */
    private InputError unterminated(byte[] b, int s, int e, long offset, String otherwise) {
      for (int i = s + 1; i + 1 < e; i++) {
        if (b[i] == '\r' && b[i + 1] == NL && (b[i - 1] == US || b[i - 1] == RS)) {
          return new InputError(file, offset + (i - s), "CRLF line ends (\"\\r\\n\"): ha3 lines end with \"\\x1F\\n\" and documents with \"\\x1E\\n\"; convert the file (e.g. dos2unix)");
        }
      }
      return new InputError(file, offset, otherwise);
    }

    private static int indexOfDocEnd(byte[] b, int from, int to) {
      for (int i = from; i + 1 < to; i++) if (b[i] == RS && b[i + 1] == NL) return i;
      return -1;
    }

    private String utf8(byte[] b, int from, int to, long offset) {
      String s = new String(b, from, to - from, StandardCharsets.UTF_8);
      if (s.indexOf('\uFFFD') >= 0) {
        try {
          StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from));
        } catch (CharacterCodingException e) {
          throw new InputError(file, offset, "invalid UTF-8 in field line");
        }
      }
      return s;
    }

    private static final long UINT32_MAX = 0xFFFFFFFFL;
    private static final long UINT64_MAX = -1L;

    /** An unsigned integer as bsctl reads one (framework/index/values.ts): trimmed, an optional '+', empty = 0. */
    private long number(String raw, long offset, String name, long max) {
      String v = raw.trim();
      if (v.isEmpty()) return 0;
      try {
        long x = Long.parseUnsignedLong(v.startsWith("+") ? v.substring(1) : v);
        if (Long.compareUnsigned(x, max) <= 0) return x;
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new InputError(file, offset, "field \"" + name + "\": \"" + raw + "\" is not an unsigned integer of at most " + Long.toUnsignedString(max));
    }

    /** One document: bytes [s, e) without its `\x1E\n`, starting at file offset `offset`. */
    private void document(byte[] b, int s, int e, long offset) throws IOException {
      int first = s;
      while (first < e && (b[first] == NL || b[first] == '\r' || b[first] == ' ')) first++;
      if (first == e) return;
      offset += first - s;
      s = first;
      String cmd = null, id = null, hits = null, title = null, subject = null, createtime = null, tags = null;
      long idOffset = offset, hitsOffset = offset, createtimeOffset = offset;
      for (int i = s; i < e; ) {
        int j = i;
        while (j + 1 < e && !(b[j] == US && b[j + 1] == NL)) j++;
        if (j + 1 >= e) throw unterminated(b, i, e, offset + (i - s), "field line not terminated by \\x1F\\n");
        int a = i;
        while (a < j && b[a] == NL) a++;
        long lineOffset = offset + (a - s);
        i = j + 2;
        if (a == j) continue;
        int eq = a;
        while (eq < j && b[eq] != '=') eq++;
        if (eq == j) throw new InputError(file, lineOffset, "line without \"=\"");
        String name = utf8(b, a, eq, lineOffset);
        String value = utf8(b, eq + 1, j, lineOffset);
        String before;
        switch (name) {
          case "CMD": before = cmd; cmd = value; break;
          case "id": before = id; id = value; idOffset = lineOffset; break;
          case "hits": before = hits; hits = value; hitsOffset = lineOffset; break;
          case "title": before = title; title = value; break;
          case "subject": before = subject; subject = value; break;
          case "createtime": before = createtime; createtime = value; createtimeOffset = lineOffset; break;
          case "tags": before = tags; tags = value; break;
          default: before = null; // not in the schema: ignored, as bsctl does
        }
        if (before != null) throw new InputError(file, lineOffset, "duplicate field \"" + name + "\"");
      }
      if (!"add".equals(cmd)) throw new InputError(file, offset, "only CMD=add is supported here, not " + (cmd == null ? "a document without CMD" : "CMD=" + cmd));
      if (id == null) throw new InputError(file, offset, "document without its primary key \"id\"");
      if (id.isEmpty()) throw new InputError(file, offset, "document without its primary key \"id\"");
      long idValue = number(id, idOffset, "id", UINT32_MAX);
      Document doc = new Document();
      doc.add(new StringField("id", id, Field.Store.NO));
      doc.add(new NumericDocValuesField("id", idValue));
      doc.add(new StoredField("id", idValue));
      if (hits != null) {
        long h = number(hits, hitsOffset, "hits", UINT32_MAX);
        doc.add(new NumericDocValuesField("hits", h));
        doc.add(new StoredField("hits", h));
      }
      if (title != null) {
        doc.add(new Field("title", title, TEXT));
        doc.add(new Field("default", title, TEXT));
        doc.add(new StoredField("title", title));
      }
      if (subject != null) {
        doc.add(new Field("subject", subject, TEXT));
        doc.add(new Field("default", subject, TEXT));
        doc.add(new StoredField("subject", subject));
      }
      if (createtime != null) {
        long c = number(createtime, createtimeOffset, "createtime", UINT64_MAX); // the same 64 bits
        doc.add(new NumericDocValuesField("createtime", c));
        doc.add(new StoredField("createtime", c));
      }
      if (tags != null && !tags.isEmpty()) {
        for (String t : tags.split(MULTI, -1)) {
          if (!t.isEmpty()) doc.add(new StringField("tag", t, Field.Store.NO));
          doc.add(new SortedSetDocValuesField("tags", new BytesRef(t)));
          doc.add(new StoredField("tags", t));
        }
      }
      writers[(int) Long.remainderUnsigned(idValue, writers.length)].updateDocument(new Term("id", id), doc);
      docs++;
    }
  }

  /** Offsets that cut the file into `n` slices, each just after a `\x1E\n` (or at 0 / past a BOM / at the end). */
  static long[] cuts(Path file, int n) throws IOException {
    long size = Files.size(file);
    long[] at = new long[n + 1];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer bom = ByteBuffer.allocate(3);
      ch.read(bom, 0);
      at[0] = bom.position() == 3 && (bom.get(0) & 0xFF) == 0xEF && (bom.get(1) & 0xFF) == 0xBB && (bom.get(2) & 0xFF) == 0xBF ? 3 : 0;
      ByteBuffer window = ByteBuffer.allocate(1 << 16);
      for (int i = 1; i < n; i++) {
        long p = Math.max(at[i - 1], size * i / n - 2); // the first "\x1E\n" starting at or after p ends at >= size*i/n
        at[i] = size;
        search:
        while (p < size) {
          window.clear();
          int got = ch.read(window, p);
          if (got <= 0) break;
          for (int k = 0; k + 1 < got; k++) {
            if (window.get(k) == RS && window.get(k + 1) == NL) {
              at[i] = p + k + 2;
              break search;
            }
          }
          if (got < 2) break;
          p += got - 1;
        }
      }
      at[n] = size;
    }
    return at;
  }

  static void build(Path file, Path out, int partitions, int threads, double ramMb) throws Exception {
    IndexWriter[] writers = new IndexWriter[partitions];
    Analyzer analyzer = new SimpleAnalyzer();
    for (int p = 0; p < partitions; p++) {
      IndexWriterConfig conf = new IndexWriterConfig(analyzer);
      conf.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
      conf.setRAMBufferSizeMB(ramMb);
      writers[p] = new IndexWriter(FSDirectory.open(out.resolve("partition_" + p)), conf);
    }
    long[] at = cuts(file, threads);
    SliceIndexer[] slices = new SliceIndexer[threads];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      SliceIndexer slice = slices[t] = new SliceIndexer(file, t == threads - 1, writers);
      long from = at[t], to = at[t + 1];
      Thread thread = new Thread(() -> {
        try {
          slice.run(from, to);
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "indexer-" + t);
      thread.start();
      running.add(thread);
    }
    for (Thread t : running) t.join();
    if (failure.get() != null) {
      for (IndexWriter w : writers) w.rollback();
      Throwable e = failure.get();
      if (e instanceof InputError) {
        System.err.println("lucene-fullbuild: " + e.getMessage());
        System.exit(2);
      }
      throw new RuntimeException(e);
    }
    for (IndexWriter w : writers) {
      w.commit();
      w.close();
    }
    long docs = 0;
    for (SliceIndexer s : slices) docs += s.docs;
    System.out.println("lucene " + Version.LATEST);
    Runtime rt = Runtime.getRuntime();
    String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).collect(Collectors.joining(", "));
    System.out.println("jvm Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), max heap "
        + (rt.maxMemory() >> 20) + " MiB, " + rt.availableProcessors() + " processors, GC " + gcs);
    System.out.println("docs " + docs);
  }

  static void stats(Path out, int partitions, String[] fields) throws IOException {
    IndexReader[] readers = new IndexReader[partitions];
    StringBuilder segments = new StringBuilder("segments");
    for (int p = 0; p < partitions; p++) {
      readers[p] = DirectoryReader.open(FSDirectory.open(out.resolve("partition_" + p)));
      segments.append(' ').append(readers[p].leaves().size());
    }
    try (MultiReader all = new MultiReader(readers)) {
      System.out.println("numDocs " + all.numDocs());
      System.out.println(segments);
      for (String field : fields) {
        Terms terms = MultiTerms.getTerms(all, field);
        long distinct = 0;
        if (terms != null) for (TermsEnum e = terms.iterator(); e.next() != null; ) distinct++;
        System.out.println("terms " + field + " " + distinct + " " + (terms == null ? 0 : terms.getSumDocFreq()));
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length >= 6 && args[0].equals("build")) {
      build(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]), Double.parseDouble(args[5]));
    } else if (args.length >= 3 && args[0].equals("stats")) {
      stats(Path.of(args[1]), Integer.parseInt(args[2]), java.util.Arrays.copyOfRange(args, 3, args.length));
    } else {
      System.err.println("usage: LuceneFullBuild build FILE OUT PARTITIONS THREADS RAM_MB | stats OUT PARTITIONS FIELD...");
      System.exit(64);
    }
  }
}
