using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using AlaeEngine.Cli.Commands;
using AlaeEngine.Cuda;
using AlaeEngine.Data;
using AlaeEngine.Training;

namespace AlaeEngine.Cli;

/// <summary>
/// Runs the parsed command and turns bad options (parse errors, out-of-range counts) and the engine's input errors into
/// one clear line and exit code 2 (the GPU running out of memory included), and any other failed CUDA call into one line
/// naming the call, exit code 1.
/// </summary>
internal static class CliRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        // bare `alae` keeps System.CommandLine's answer (the help); --help and --version have their own actions
        if (parsed.Action is ParseErrorAction && args.Length > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"alae: error: {error.Message}");
            Console.Error.WriteLine($"alae: the options: alae {CommandPath(parsed.CommandResult)}--help");
            return 2;
        }
        try
        {
            // the engine's own messages name the file and the problem; a stack trace would only bury them
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

    // "train mlp " for `alae train mlp`: the sub-commands from the root down
    private static string CommandPath(CommandResult? command)
    {
        var names = new List<string>();
        for (var c = command; c?.Parent is CommandResult parent; c = parent) names.Insert(0, c.Command.Name + " ");
        return string.Concat(names);
    }

    private const string CheckpointForms = "a run folder (its newest checkpoint), or a checkpoint's checkpoints/step-NNNNNNN.json or .safetensors";

    /// <summary>
    /// A run folder (its newest checkpoint) or a checkpoint's .json file (or its .safetensors, when the .json is beside it).
    /// Anything else is an error saying what the path is and what was expected.
    /// </summary>
    public static string ResolveCheckpoint(string path)
    {
        if (Directory.Exists(path))
            return Training.Checkpoint.Latest(path) ?? throw new FileNotFoundException(
                $"--checkpoint {path}: a folder without a complete checkpoint (no {Path.Combine(Training.Checkpoint.Folder, "step-*.json")} with its " +
                $".safetensors in it); expected {CheckpointForms}");
        if (!File.Exists(path)) throw new FileNotFoundException($"--checkpoint {path}: no such file or folder; expected {CheckpointForms}");
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return path;
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            var json = Path.ChangeExtension(path, ".json");
            return File.Exists(json) ? json : throw new FileNotFoundException(
                $"--checkpoint {path}: a checkpoint's weights without its state {Path.GetFileName(json)} (written last, so this checkpoint is incomplete)");
        }
        string kind = Path.GetExtension(path) is { Length: > 1 } ext ? $"a {ext} file" : "a file without extension";
        throw new ArgumentException($"--checkpoint {path}: {kind} ({new FileInfo(path).Length} bytes), not a checkpoint; expected {CheckpointForms}");
    }
}
