package dev.nificnn.processors;

import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every cnn.* attribute and record field is named once, and the README's table lists each one (issue 14 point 2). */
class AttributeVocabularyTest {

    private static final List<Class<?>> PROCESSORS = List.of(PrepareImage.class, UnpackImageDataset.class, ListImageDataset.class,
            ClassifyImage.class, ExtractImageFeatures.class, TrainImageClassifier.class, ScoreImageClassifier.class);
    /** A whole string literal that is an attribute name, as opposed to prose that mentions one. */
    private static final Pattern ATTRIBUTE_LITERAL = Pattern.compile("\"(cnn\\.[a-z.]+)\"");

    @Test
    void everyDocumentedAttributeIsOneOfTheVocabulary() {
        final Set<String> vocabulary = values(CnnAttributes.class);
        final List<String> unknown = new ArrayList<>();
        int documented = 0;
        for (final Class<?> processor : PROCESSORS) {
            final WritesAttributes writes = processor.getAnnotation(WritesAttributes.class);
            for (final WritesAttribute attribute : writes.value()) {
                if (attribute.attribute().startsWith("cnn.")) {
                    documented++;
                    if (!vocabulary.contains(attribute.attribute())) {
                        unknown.add(processor.getSimpleName() + ": " + attribute.attribute());
                    }
                }
            }
        }
        assertEquals(List.of(), unknown);
        assertTrue(documented >= 40, "only " + documented + " documented cnn.* attributes: are the annotations read?");
    }

    @Test
    void noSourceSpellsAnAttributeNameOutsideTheVocabulary() throws IOException {
        final List<String> spelled = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java/dev/nificnn"))) {
            for (final Path source : sources.filter(path -> path.toString().endsWith(".java")).toList()) {
                if (source.getFileName().toString().equals("CnnAttributes.java")) {
                    continue;
                }
                final Matcher literal = ATTRIBUTE_LITERAL.matcher(Files.readString(source));
                while (literal.find()) {
                    spelled.add(source.getFileName() + ": " + literal.group(1));
                }
            }
        }
        assertEquals(List.of(), spelled, "use the CnnAttributes constants");
    }

    @Test
    void theReadmeTableListsEveryAttributeAndField() throws IOException {
        final String readme = Files.readString(Path.of("../README.md"));
        final int start = readme.indexOf("## Attributes and record fields");
        assertTrue(start >= 0, "README has no attribute table");
        final String table = readme.substring(start, readme.indexOf("\n## ", start + 1));
        final List<String> missing = Stream.concat(values(CnnAttributes.class).stream(), values(RecordFields.class).stream())
                .filter(name -> !table.contains("`" + name + "`"))
                .sorted().collect(Collectors.toList());
        assertEquals(List.of(), missing, "names missing from the README's attribute table");
    }

    private static Set<String> values(final Class<?> constants) {
        return Stream.of(constants.getDeclaredFields())
                .filter(field -> Modifier.isStatic(field.getModifiers()) && field.getType() == String.class)
                .map(AttributeVocabularyTest::value).collect(Collectors.toSet());
    }

    private static String value(final Field field) {
        try {
            return (String) field.get(null);
        } catch (final IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }
}
