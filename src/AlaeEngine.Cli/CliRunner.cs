using System.CommandLine;
using AlaeEngine.Cli.Commands;
using AlaeEngine.Cuda;
using AlaeEngine.Data;
using AlaeEngine.Training;

namespace AlaeEngine.Cli;

/// <summary>
/// Runs the parsed command and turns the engine's input errors into one clear line and exit code 2 (the GPU running out
/// of memory included), and any other failed CUDA call into one line naming the call, exit code 1.
/// </summary>
internal static class CliRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        try
        {
            // the engine's own messages name the file and the problem; a stack trace would only bury them
            var parsed = root.Parse(args);
            if (parsed.Errors.Count == 0) NonFiniteNumbers.CheckOptions(parsed);
            using var nonFiniteWeights = NonFiniteNumbers.AcceptWeights(parsed);
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (NonFiniteWeightsException e)
        {
            Console.Error.WriteLine($"alae: error: {e.Message}; {NonFiniteNumbers.AllowFlag} loads it anyway");
            return 2;
        }
        catch (Exception e) when (e is DataFormatException or InvalidDataException or ArgumentException or IOException)
        {
            Console.Error.WriteLine($"alae: error: {e.Message}");
            return 2;
        }
        catch (CudaException e) when (ComputeDevice.IsOutOfMemory(e))
        {
            // the training commands name the level and batch themselves; this catches the rest (model set-up, inference)
            Console.Error.WriteLine($"alae: error: the GPU ran out of memory: {e.Message}. Use a smaller batch (--batch, or --batch-scale " +
                                    "for train style), or free the GPU's memory from other processes.");
            return 2;
        }
        catch (CudaException e)
        {
            Console.Error.WriteLine($"alae: error: {e.Message}");
            return 1;
        }
    }

    /// <summary>A run folder (its newest checkpoint) or a checkpoint's .json file.</summary>
    public static string ResolveCheckpoint(string path)
    {
        if (Directory.Exists(path))
            return Training.Checkpoint.Latest(path) ?? throw new FileNotFoundException($"no complete checkpoint in {Path.Combine(path, Training.Checkpoint.Folder)}");
        if (File.Exists(path) && path.EndsWith(".json", StringComparison.Ordinal)) return path;
        if (File.Exists(path) && path.EndsWith(".safetensors", StringComparison.Ordinal) && File.Exists(Path.ChangeExtension(path, ".json")))
            return Path.ChangeExtension(path, ".json");
        throw new FileNotFoundException($"checkpoint '{path}' not found (give a run folder or a checkpoints/step-*.json file)");
    }
}
