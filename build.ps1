# Thin wrapper over the dotnet CLI; the README's commands are plain `dotnet` and need no PowerShell.
param([ValidateSet('build', 'test', 'bench', 'publish', 'bundle')][string]$Target = 'build')
$ErrorActionPreference = 'Stop'
switch ($Target) {
  'build'   { dotnet build AlaeEngine.sln -c Release }
  'test'    { dotnet test }
  'bench'   { dotnet run -c Release --project bench/AlaeEngine.Bench }
  'publish' { dotnet publish src/AlaeEngine.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -p:PublishTrimmed=true -o artifacts/alae }
  'bundle'  { bash tools/bundle.sh }   # artifacts/alae-bundle-linux-x64.tar.gz for a GPU box without .NET
}
exit $LASTEXITCODE
