package dev.nificnn.processors;

import org.apache.nifi.components.state.Scope;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListImageDatasetTest {

    @TempDir
    Path root;

    private TestRunner runner;

    @BeforeEach
    void setUp() {
        runner = TestRunners.newTestRunner(ListImageDataset.class);
        runner.setProperty(ListImageDataset.INPUT_DIRECTORY, root.toString());
        runner.setProperty(ListImageDataset.MINIMUM_FILE_AGE, "0 sec");
    }

    private void image(final String relative) throws Exception {
        final Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.write(file, relative.getBytes());
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60)));
    }

    @Test
    void listsEveryImageOnceWithTheDatasetSizeAndClass() throws Exception {
        for (int index = 0; index < 7; index++) {
            image("cat/" + index + ".jpg");
        }
        for (int index = 0; index < 5; index++) {
            image("dog/nested/" + index + ".jpg");
        }
        image("cat/.hidden.jpg");
        image("README.txt");

        runner.run();
        runner.assertAllFlowFilesTransferred(ListImageDataset.REL_SUCCESS, 12);
        final List<MockFlowFile> listed = runner.getFlowFilesForRelationship(ListImageDataset.REL_SUCCESS);
        final Set<String> ids = listed.stream().map(flowFile -> flowFile.getAttribute(CnnAttributes.DATASET_ID)).collect(Collectors.toSet());
        assertEquals(1, ids.size());
        for (int position = 0; position < listed.size(); position++) {
            final MockFlowFile flowFile = listed.get(position);
            flowFile.assertAttributeEquals(CnnAttributes.DATASET_SIZE, "12");
            flowFile.assertAttributeEquals(CnnAttributes.DATASET_CLASSES, "2");
            flowFile.assertAttributeEquals(CnnAttributes.DATASET_INDEX, Integer.toString(position));
            final Path file = Path.of(flowFile.getAttribute("absolute.path"), flowFile.getAttribute("filename"));
            assertTrue(Files.isRegularFile(file), file.toString());
            assertEquals(root.relativize(file).getName(0).toString(), flowFile.getAttribute(CnnAttributes.DATASET_LABEL));
        }
        listed.get(0).assertAttributeEquals("path", "cat/");
        listed.get(11).assertAttributeEquals("path", "dog/nested/");
        assertTrue(runner.getLogger().getWarnMessages().stream().anyMatch(message -> message.getMsg().contains("outside any class folder")));
        runner.getStateManager().assertStateEquals(ListImageDataset.SET_SIZE_STATE, "12", Scope.CLUSTER);

        // Unchanged: not listed again.
        runner.clearTransferState();
        runner.run();
        runner.assertTransferCount(ListImageDataset.REL_SUCCESS, 0);

        // One image more: the whole tree again, as a new dataset.
        image("dog/extra.jpg");
        runner.run();
        runner.assertTransferCount(ListImageDataset.REL_SUCCESS, 13);
        final MockFlowFile first = runner.getFlowFilesForRelationship(ListImageDataset.REL_SUCCESS).getFirst();
        first.assertAttributeEquals(CnnAttributes.DATASET_SIZE, "13");
        assertNotEquals(ids.iterator().next(), first.getAttribute(CnnAttributes.DATASET_ID));
    }

    @Test
    void waitsWhileATreeIsStillBeingWritten() throws Exception {
        image("cat/0.jpg");
        Files.write(root.resolve("cat/1.jpg"), new byte[] {1});
        runner.setProperty(ListImageDataset.MINIMUM_FILE_AGE, "30 sec");
        runner.run();
        runner.assertTransferCount(ListImageDataset.REL_SUCCESS, 0);
        Files.setLastModifiedTime(root.resolve("cat/1.jpg"), FileTime.from(Instant.now().minusSeconds(60)));
        runner.run();
        runner.assertTransferCount(ListImageDataset.REL_SUCCESS, 2);
    }

    @Test
    void refusesATreeLargerThanMaximumImages() throws Exception {
        for (int index = 0; index < 4; index++) {
            image("cat/" + index + ".jpg");
        }
        runner.setProperty(ListImageDataset.MAXIMUM_IMAGES, "3");
        runner.run();
        runner.assertTransferCount(ListImageDataset.REL_SUCCESS, 0);
        assertTrue(runner.getLogger().getErrorMessages().stream().anyMatch(message -> message.getMsg().contains("more than 3 images")));
    }
}
