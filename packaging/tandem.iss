; Inno Setup 6 script for the Windows installer. See packaging/README.md.
;
; Build the bundle first (on Windows, from the repository root):
;     py packaging\build.py
; then compile this script, passing the version from pyproject.toml:
;     "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\tandem.iss
; The installer lands in dist\installer\Tandem-<version>-setup.exe.

#define AppName "Tandem"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppExe "tandemw.exe"

[Setup]
; Keep AppId forever: it is how upgrades find the installed copy.
AppId={{7C1F3E52-4B7A-4E8B-9A55-2D5C3A0B6E11}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Tandem contributors
AppComments=Faster local LLMs with speculative decoding on OpenVINO
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no administrator needed); the dialog offers all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist\installer
OutputBaseFilename=Tandem-{#AppVersion}-setup
SetupIconFile=..\resources\icons\tandem.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole onedir bundle: tandem.exe (console, the command line), tandemw.exe (the
; window, no console) and _internal\.
Source: "..\dist\tandem\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; IconFilename: "{app}\{#AppExe}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
; A quick check that the installed copy works, then an offer to start it.
Filename: "{app}\tandem.exe"; Parameters: "--self-test"; StatusMsg: "Checking the installation..."; Flags: runhidden waituntilterminated
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Models and conversations live in the user's data folder and are kept on purpose.
Type: filesandordirs; Name: "{app}\_internal"
