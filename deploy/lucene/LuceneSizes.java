// The on-disk size of the bot's documents in a Lucene index laid out as OpenSearch lays
// out the bot's mapping (README, "Sizing"). Reads the tab-separated export written by
// `deploy/index_sizes.py --export FILE` and writes one force-merged index per kind:
//   passages: _id (indexed, stored), word and gram (whitespace, freqs, norms), kind and
//             article_id (keyword: indexed, doc values), ordinal (integer: points, doc
//             values), _seq_no/_primary_term/_version (doc values), _source (stored, LZ4)
//   vectors:  _id, the sequence fields and _source (Lucene 8 has no vector field: the
//             knn_vector values are counted apart, 4 bytes per dimension).
// Build and run (Debian's liblucene8-java and a JDK: not dependencies of the bot, only of
// this measurement):
//   javac -cp /usr/share/java/lucene-core-8.7.0.jar:/usr/share/java/lucene-analyzers-common-8.7.0.jar -d /tmp/lucene-sizes deploy/lucene/LuceneSizes.java
//   java -cp /tmp/lucene-sizes:/usr/share/java/lucene-core-8.7.0.jar:/usr/share/java/lucene-analyzers-common-8.7.0.jar LuceneSizes FILE DIR
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

public class LuceneSizes {
    static final FieldType TERMS = new FieldType();

    static {
        TERMS.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
        TERMS.setTokenized(true);
        TERMS.freeze();
    }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args[1]);
        Map<String, IndexWriter> writers = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        Map<String, Long> sources = new HashMap<>();
        long seq = 0;
        try (BufferedReader in = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split("\t", -1); // kind, id, word, gram, article_id, ordinal, source
                String kind = f[0];
                IndexWriter writer = writers.get(kind);
                if (writer == null) {
                    IndexWriterConfig config = new IndexWriterConfig(new WhitespaceAnalyzer());
                    config.setRAMBufferSizeMB(256);
                    config.setUseCompoundFile(false); // one file per part: the breakdown
                    TieredMergePolicy merges = new TieredMergePolicy();
                    merges.setNoCFSRatio(0.0);
                    config.setMergePolicy(merges);
                    writer = new IndexWriter(FSDirectory.open(out.resolve(kind)), config);
                    writers.put(kind, writer);
                }
                Document doc = new Document();
                doc.add(new StringField("_id", f[1], Field.Store.YES));
                doc.add(new LongPoint("_seq_no", seq));
                doc.add(new NumericDocValuesField("_seq_no", seq++));
                doc.add(new NumericDocValuesField("_primary_term", 1));
                doc.add(new NumericDocValuesField("_version", 1));
                if (kind.equals("passage")) {
                    doc.add(new Field("word", f[2], TERMS));
                    doc.add(new Field("gram", f[3], TERMS));
                    doc.add(new StringField("kind", kind, Field.Store.NO));
                    doc.add(new SortedSetDocValuesField("kind", new BytesRef(kind)));
                    doc.add(new StringField("article_id", f[4], Field.Store.NO));
                    doc.add(new SortedSetDocValuesField("article_id", new BytesRef(f[4])));
                    int ordinal = Integer.parseInt(f[5]);
                    doc.add(new IntPoint("ordinal", ordinal));
                    doc.add(new SortedNumericDocValuesField("ordinal", ordinal));
                }
                byte[] source = f[6].getBytes(StandardCharsets.UTF_8);
                doc.add(new StoredField("_source", source));
                writer.addDocument(doc);
                counts.merge(kind, 1L, Long::sum);
                sources.merge(kind, (long) source.length, Long::sum);
            }
        }
        for (Map.Entry<String, IndexWriter> entry : writers.entrySet()) {
            IndexWriter writer = entry.getValue();
            writer.forceMerge(1);
            writer.close();
            String kind = entry.getKey();
            long bytes;
            try (Stream<Path> files = Files.list(out.resolve(kind))) {
                bytes = files.mapToLong(p -> p.toFile().length()).sum();
            }
            long n = counts.get(kind);
            System.out.printf(
                "%s: %,d docs, _source %,d B/doc, Lucene index %,d B = %,d B/doc (%.2f x the source)%n",
                kind, n, sources.get(kind) / n, bytes, bytes / n, (double) bytes / sources.get(kind));
            try (Stream<Path> files = Files.list(out.resolve(kind))) {
                Map<String, Long> byExt = new HashMap<>();
                files.forEach(p -> {
                    String name = p.getFileName().toString();
                    String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : name;
                    byExt.merge(ext, p.toFile().length(), Long::sum);
                });
                StringBuilder parts = new StringBuilder("   by file kind, B/doc:");
                byExt.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .limit(8)
                    .forEach(e -> parts.append(String.format(" %s %,d", e.getKey(), e.getValue() / n)));
                System.out.println(parts);
            }
        }
    }
}
