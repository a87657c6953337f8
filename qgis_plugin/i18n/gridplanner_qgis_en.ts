<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
<context>
    <name>@default</name>
    <message>
        <source>全覆盖核查</source>
        <translation>Audit coverage</translation>
    </message>
    <message>
        <source>核查网格层级是否全覆盖、无缝隙、不交叉: 缝隙、重叠、越界、楼栋未落入网格单元、编码错误、网格无网格员、户数配比超出范围等。与命令行 gridplanner audit 使用同一个核心, 得到相同的问题清单。

输入: 一个 gridplanner 项目文件 (.gpkg), 或者各层级的图层 (街道、社区、综合网格、网格、网格单元、楼栋、网格员), 图层先按字段名自动匹配导入一个临时项目 (字段名特殊时请先用“导入到项目”并指定字段)。
范围: 可选, 只核查某个街道/社区/… 的编码。

输出: 问题点图层 (每个问题一个点, 含严重程度和说明)、问题区域图层 (缝隙、重叠等面状问题) 和 HTML 报告。</source>
        <translation>Checks that the grid hierarchy covers everything exactly once (full coverage, no gaps, no overlaps): gaps, overlaps, children outside their parent, buildings outside every grid unit, broken codes, grids without workers, households per worker out of band and more. Runs the same core as the command line `gridplanner audit` and finds the same findings.

Input: a gridplanner project file (.gpkg), or the layers of the hierarchy (streets, communities, comprehensive grids, grids, grid units, buildings, workers); the layers are first imported into a temporary project with fields matched by name (when your field names are unusual, use "Import into a project" with explicit fields first).
Scope: optional, the code of one street/community/… to audit only that.

Outputs: a findings point layer (one point per finding, with severity and message), a findings area layer (gaps, overlaps and other areal findings) and the HTML report.</translation>
    </message>
    <message>
        <source>核查 {name}</source>
        <translation>Auditing {name}</translation>
    </message>
    <message>
        <source>核查 {name}: 阻断 {b} · 警告 {w} · 提示 {i} ({s:.1f} 秒)</source>
        <translation>audit of {name}: {b} blocking · {w} warnings · {i} info ({s:.1f} s)</translation>
    </message>
    <message>
        <source>gridplanner 项目文件</source>
        <translation>gridplanner project file</translation>
    </message>
    <message>
        <source>区/县名称 (用图层核查时)</source>
        <translation>District name (when auditing layers)</translation>
    </message>
    <message>
        <source>核查范围编码</source>
        <translation>Scope code</translation>
    </message>
    <message>
        <source>核查问题</source>
        <translation>Audit findings</translation>
    </message>
    <message>
        <source>核查问题区域</source>
        <translation>Audit finding areas</translation>
    </message>
    <message>
        <source>HTML 报告</source>
        <translation>HTML report</translation>
    </message>
    <message>
        <source>退出码 (0 无问题, 2 有阻断)</source>
        <translation>Exit code (0 clean, 2 blocking)</translation>
    </message>
    <message>
        <source>写入 HTML 报告</source>
        <translation>Writing the HTML report</translation>
    </message>
    <message>
        <source>读取 {path}</source>
        <translation>Reading {path}</translation>
    </message>
    <message>
        <source>导入 {label} ({level})</source>
        <translation>Importing {label} ({level})</translation>
    </message>
    <message>
        <source>平衡网格</source>
        <translation>Balance grids</translation>
    </message>
    <message>
        <source>{n} 个单元 → {k} 个网格 (在 {crs} 中量算); 最大偏差 {dev:.1%}, 可达下限 {best:.1%}; 全部连通: {contiguous}</source>
        <translation>{n} units → {k} grids (measured in {crs}); max |deviation| {dev:.1%}, best achievable {best:.1%}; all contiguous: {contiguous}</translation>
    </message>
    <message>
        <source>网格单元图层</source>
        <translation>Grid unit layer</translation>
    </message>
    <message>
        <source>户数字段</source>
        <translation>Households field</translation>
    </message>
    <message>
        <source>网格数 (0: 按目标户数)</source>
        <translation>Number of grids (0: from the target)</translation>
    </message>
    <message>
        <source>每名网格员目标户数 (网格数为 0 时使用)</source>
        <translation>Target households per worker (used when the number of grids is 0)</translation>
    </message>
    <message>
        <source>网格员容量 (如 1,1,0.5)</source>
        <translation>Worker capacities (e.g. 1,1,0.5)</translation>
    </message>
    <message>
        <source>现有网格字段</source>
        <translation>Existing grid field</translation>
    </message>
    <message>
        <source>锁定字段</source>
        <translation>Locked field</translation>
    </message>
    <message>
        <source>最少调整 (从现有网格出发, 尽量少移动户数)</source>
        <translation>Minimal change (start from the existing grids, move as few households as possible)</translation>
    </message>
    <message>
        <source>编号字段 (用于提示信息)</source>
        <translation>Id field (named in messages)</translation>
    </message>
    <message>
        <source>允许偏差 (留空: 与命令行相同的默认值)</source>
        <translation>Allowed deviation (empty: the same default as the command line)</translation>
    </message>
    <message>
        <source>随机种子</source>
        <translation>Random seed</translation>
    </message>
    <message>
        <source>已分组的网格单元</source>
        <translation>Grouped grid units</translation>
    </message>
    <message>
        <source>网格 (融合)</source>
        <translation>Grids (dissolved)</translation>
    </message>
    <message>
        <source>平衡报告</source>
        <translation>Balance report</translation>
    </message>
    <message>
        <source>最大偏差</source>
        <translation>Max deviation</translation>
    </message>
    <message>
        <source>已证明无法达标</source>
        <translation>Band proven out of reach</translation>
    </message>
    <message>
        <source>±{band:.0%} 无法达到：已证明没有任何连通方案能让每个网格都在范围内（单元太大）；可达下限即最好的方案</source>
        <translation>±{band:.0%} is out of reach: no contiguous plan puts every grid inside it (the units are too coarse, proven); the best achievable deviation is the closest any plan gets</translation>
    </message>
    <message>
        <source>可达下限</source>
        <translation>Best achievable deviation</translation>
    </message>
    <message>
        <source>全部连通</source>
        <translation>All contiguous</translation>
    </message>
    <message>
        <source>量算坐标系</source>
        <translation>Measuring CRS</translation>
    </message>
    <message>
        <source>{label}: QGIS 读到 {n} 个要素, 核心读到 {m} 个</source>
        <translation>{label}: QGIS reads {n} features, the core reads {m}</translation>
    </message>
    <message>
        <source>总户数 {total:.0f} ÷ 目标 {target:g} → {parts} 个网格</source>
        <translation>{total:.0f} households ÷ target {target:g} → {parts} grids</translation>
    </message>
    <message>
        <source>要素顺序与核心读取的顺序不一致 (第 {row} 个要素)</source>
        <translation>The feature order differs from the order the core read (feature {row})</translation>
    </message>
    <message>
        <source>是</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>否</source>
        <translation>no</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>导出数据交换包</source>
        <translation>Export exchange package</translation>
    </message>
    <message>
        <source>把 gridplanner 项目导出为上级信息化平台的数据交换包 (manifest.json、各层级节点、网格员名单、变更集 changes.json), 或导出为 GeoJSON、GeoPackage、Shapefile、Excel。与命令行 gridplanner export 相同。

上一版交换包: 可选, 给出时按它计算变更集 (新增、撤销、拆分、合并的编码)。
包含个人信息: 默认不导出网格员电话等个人字段。</source>
        <translation>Exports a gridplanner project as the exchange package for the central platform (manifest.json, the nodes of every level, the worker roster, the change set changes.json), or as GeoJSON, GeoPackage, Shapefile or Excel. The same as the command line `gridplanner export`.

Previous package: optional; when given, the change set (codes added, retired, split, merged) is computed against it.
Include personal fields: worker phone numbers and other personal fields are left out by default.</translation>
    </message>
    <message>
        <source>导入到项目</source>
        <translation>Import into a project</translation>
    </message>
    <message>
        <source>把一个图层 (GeoPackage、GeoJSON、Shapefile、CSV/XLSX) 作为某一层级、楼栋或网格员导入 gridplanner 项目 (不存在时新建)。与命令行 gridplanner import 相同: 先检查整个文件, 有问题时指出文件、要素和字段, 项目文件保持不变。

字段: 留空时按字段名自动匹配。
坐标系: 文件没有坐标系 (或有误) 时指定。
GCJ-02: 坐标来自网络地图 (火星坐标) 时勾选, 将转换为 CGCS2000。</source>
        <translation>Imports a layer (GeoPackage, GeoJSON, Shapefile, CSV/XLSX) as one level, the buildings or the workers of a gridplanner project (created when missing). The same as the command line `gridplanner import`: the whole file is checked first; a problem names the file, the feature and the field, and the project file stays untouched.

Fields: left empty, they are matched by name.
CRS: for a file without a CRS (or with a wrong one).
GCJ-02: tick when the coordinates come from a Chinese web map; they are converted to CGCS2000.</translation>
    </message>
    <message>
        <source>格式</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>输出 (文件或文件夹)</source>
        <translation>Output (file or folder)</translation>
    </message>
    <message>
        <source>数据交换包 (*.zip);;所有文件 (*)</source>
        <translation>Exchange package (*.zip);;All files (*)</translation>
    </message>
    <message>
        <source>包含个人信息 (电话)</source>
        <translation>Include personal fields (phone)</translation>
    </message>
    <message>
        <source>上一版交换包 (计算变更集)</source>
        <translation>Previous exchange package (for the change set)</translation>
    </message>
    <message>
        <source>写入的文件</source>
        <translation>Files written</translation>
    </message>
    <message>
        <source>未导出网格员电话等个人字段; 需要时勾选“包含个人信息”</source>
        <translation>Personal worker fields (phone) left out; tick "Include personal fields" to include them</translation>
    </message>
    <message>
        <source>gridplanner 项目文件 (不存在时新建)</source>
        <translation>gridplanner project file (created when missing)</translation>
    </message>
    <message>
        <source>要导入的图层</source>
        <translation>Layer to import</translation>
    </message>
    <message>
        <source>层级</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>文字编码 (gbk、utf-8; 留空自动识别)</source>
        <translation>Text encoding (gbk, utf-8; empty: detect)</translation>
    </message>
    <message>
        <source>数据坐标系</source>
        <translation>CRS of the data</translation>
    </message>
    <message>
        <source>坐标为 GCJ-02 (网络地图)</source>
        <translation>Coordinates are GCJ-02 (web maps)</translation>
    </message>
    <message>
        <source>修复无效多边形 (报告面积变化)</source>
        <translation>Repair invalid polygons (the change in area is reported)</translation>
    </message>
    <message>
        <source>区/县名称 (首次导入街道时)</source>
        <translation>District name (when the first streets are imported)</translation>
    </message>
    <message>
        <source>新增</source>
        <translation>Added</translation>
    </message>
    <message>
        <source>更新</source>
        <translation>Updated</translation>
    </message>
    <message>
        <source>gridplanner 核心: {where}</source>
        <translation>gridplanner core: {where}</translation>
    </message>
    <message>
        <source>找不到 gridplanner 核心({detail})。请把核心安装到 QGIS 使用的 Python 中, 或在 插件 → gridplanner → 设置 中指定装有核心的 Python 环境 (site-packages)。</source>
        <translation>The gridplanner core cannot be imported ({detail}). Install the core into the Python that QGIS uses, or choose the Python environment (site-packages) that has it in Plugins → gridplanner → Settings.</translation>
    </message>
    <message>
        <source>gridplanner 设置…</source>
        <translation>gridplanner settings…</translation>
    </message>
    <message>
        <source>网格化管理 gridplanner</source>
        <translation>Grid management (gridplanner)</translation>
    </message>
    <message>
        <source>gridplanner 设置</source>
        <translation>gridplanner settings</translation>
    </message>
    <message>
        <source>检查</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>装有 gridplanner 核心的 Python 环境 (venv 文件夹或其 site-packages)。留空则使用 QGIS 自带的 Python。</source>
        <translation>The Python environment that has the gridplanner core (a venv folder or its site-packages). Leave empty to use QGIS's own Python.</translation>
    </message>
    <message>
        <source>乡镇/街道图层</source>
        <translation>Street layer</translation>
    </message>
    <message>
        <source>村/社区图层</source>
        <translation>Community layer</translation>
    </message>
    <message>
        <source>综合网格图层</source>
        <translation>Comprehensive grid layer</translation>
    </message>
    <message>
        <source>网格图层</source>
        <translation>Grid layer</translation>
    </message>
    <message>
        <source>楼栋图层</source>
        <translation>Building layer</translation>
    </message>
    <message>
        <source>网格员表</source>
        <translation>Worker table</translation>
    </message>
    <message>
        <source>数据交换包 (.zip 或文件夹)</source>
        <translation>Exchange package (.zip or folder)</translation>
    </message>
    <message>
        <source>GeoJSON (每个层级一个文件, 文件夹)</source>
        <translation>GeoJSON (one file per level, folder)</translation>
    </message>
    <message>
        <source>GeoPackage</source>
        <translation>GeoPackage</translation>
    </message>
    <message>
        <source>Shapefile (GBK 编码, 文件夹)</source>
        <translation>Shapefile (GBK-encoded, folder)</translation>
    </message>
    <message>
        <source>Excel 层级表</source>
        <translation>Excel hierarchy table</translation>
    </message>
    <message>
        <source>区县 (一个文件一个区县)</source>
        <translation>District (one district per file)</translation>
    </message>
    <message>
        <source>乡镇/街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>村/社区</source>
        <translation>Community</translation>
    </message>
    <message>
        <source>综合网格</source>
        <translation>Comprehensive grid</translation>
    </message>
    <message>
        <source>网格</source>
        <translation>Grid</translation>
    </message>
    <message>
        <source>网格单元</source>
        <translation>Grid unit</translation>
    </message>
    <message>
        <source>楼栋</source>
        <translation>Building</translation>
    </message>
    <message>
        <source>网格员</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>编码字段</source>
        <translation>Code field</translation>
    </message>
    <message>
        <source>名称字段</source>
        <translation>Name field</translation>
    </message>
    <message>
        <source>上级编码字段</source>
        <translation>Parent code field</translation>
    </message>
    <message>
        <source>人口字段</source>
        <translation>Population field</translation>
    </message>
    <message>
        <source>所属网格单元字段</source>
        <translation>Grid unit field</translation>
    </message>
    <message>
        <source>所属网格字段</source>
        <translation>Grid field</translation>
    </message>
    <message>
        <source>角色字段</source>
        <translation>Role field</translation>
    </message>
    <message>
        <source>专职/兼职字段</source>
        <translation>Full-/part-time field</translation>
    </message>
    <message>
        <source>折算人数字段</source>
        <translation>Capacity field</translation>
    </message>
    <message>
        <source>电话字段</source>
        <translation>Phone field</translation>
    </message>
    <message>
        <source>网格类型字段</source>
        <translation>Grid kind field</translation>
    </message>
    <message>
        <source>专属网格类型字段</source>
        <translation>Dedicated grid type field</translation>
    </message>
    <message>
        <source>道路等级字段</source>
        <translation>Road class field</translation>
    </message>
    <message>
        <source>道路 (可带道路等级)</source>
        <translation>Roads (with their class)</translation>
    </message>
    <message>
        <source>河流</source>
        <translation>Rivers</translation>
    </message>
    <message>
        <source>铁路</source>
        <translation>Railways</translation>
    </message>
    <message>
        <source>海岸线</source>
        <translation>Coast</translation>
    </message>
    <message>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>{groups} 组: {within} 组达到允许偏差, {proven} 组已证明不可达; 移动 {moved:.0f} 户; 进入户/人范围需增加网格员 {needed} 名; 写入 {out}</source>
        <translation>{groups} groups: {within} within their tolerance, {proven} proven out of reach; {moved:.0f} households moved; workers needed to reach the band: {needed}; wrote {out}</translation>
    </message>
    <message>
        <source>允许偏差 (留空: 自动)</source>
        <translation>Tolerance (empty: automatic)</translation>
    </message>
    <message>
        <source>已证明不可达的组数</source>
        <translation>Groups proven out of reach</translation>
    </message>
    <message>
        <source>平衡的组数</source>
        <translation>Groups balanced</translation>
    </message>
    <message>
        <source>待补岗位 (网格编码, 或 all)</source>
        <translation>Vacancies (grid codes, or all)</translation>
    </message>
    <message>
        <source>报告 (JSON)</source>
        <translation>Report (JSON)</translation>
    </message>
    <message>
        <source>新方案 (项目文件)</source>
        <translation>New plan (project file)</translation>
    </message>
    <message>
        <source>新方案的网格</source>
        <translation>Grids of the new plan</translation>
    </message>
    <message>
        <source>方式</source>
        <translation>Mode</translation>
    </message>
    <message>
        <source>最小变动</source>
        <translation>Minimal change</translation>
    </message>
    <message>
        <source>目标户/人 (留空: 方案设置)</source>
        <translation>Target households per worker (empty: the plan's settings)</translation>
    </message>
    <message>
        <source>移动户数</source>
        <translation>Households moved</translation>
    </message>
    <message>
        <source>网格数 (按网格数重划)</source>
        <translation>Number of grids (redesign by count)</translation>
    </message>
    <message>
        <source>范围编码 (街道、社区或综合网格)</source>
        <translation>Scope code (street, community or comprehensive grid)</translation>
    </message>
    <message>
        <source>达到允许偏差的组数</source>
        <translation>Groups within their tolerance</translation>
    </message>
    <message>
        <source>重新平衡方案</source>
        <translation>Rebalance a plan</translation>
    </message>
    <message>
        <source>锁定 (编码, 逗号分隔)</source>
        <translation>Locked (codes, comma separated)</translation>
    </message>
    <message>
        <source>需增加的网格员</source>
        <translation>Workers needed</translation>
    </message>
    <message>
        <source>网格单元 → 网格（在每个综合网格内）</source>
        <translation>Grid units → grids (inside each comprehensive grid)</translation>
    </message>
    <message>
        <source>网格 → 综合网格（在每个社区内）</source>
        <translation>Grids → comprehensive grids (inside each community)</translation>
    </message>
    <message>
        <source>保留现有网格，均衡负荷</source>
        <translation>Keep today's grids, even out the load</translation>
    </message>
    <message>
        <source>按目标户数重划</source>
        <translation>Redesign by a target of households per worker</translation>
    </message>
    <message>
        <source>按网格数重划</source>
        <translation>Redesign by a number of grids</translation>
    </message>
    <message>
        <source>把网格单元分成若干个连通的网格, 使每名网格员服务的户数尽量相等。与命令行 gridplanner partition 使用同一个核心: 相同的图层、网格数和随机种子得到相同的划分。

户数字段: 每个网格单元的户数。
网格数: 要划分的网格个数; 为 0 时按每名网格员目标户数计算 (总户数 ÷ 目标户数, 四舍五入)。
网格员容量: 可选, 每个网格的网格员人数, 用逗号分隔 (兼职按 0.5 计), 例如 1,1,0.5; 给出时网格数等于其个数。
现有网格字段: 可选, 每个单元现在所属的网格; 配合最少调整和锁定使用。
锁定字段: 可选, 值为真 (1/true/是) 的单元保留在现有网格中。
允许偏差: 相对于各网格份额的允许偏差 (0.02 即 ±2%); 留空时与命令行 gridplanner partition 的默认值相同。
目标户数只决定网格数 (总户数 ÷ 目标, 四舍五入), 与 gridplanner balance 相同; 给出网格员容量时网格数等于其个数, 目标不再使用。

输出: 带 part 字段 (给出现有网格字段时另有 part_grid: 延续的现有网格) 的网格单元、按 part 融合的网格图层, 以及每个网格的报告表 (户数、目标、偏差、是否连通、紧凑度)。</source>
        <translation>Groups grid units into contiguous grids so that every grid worker serves about the same number of households. Runs the same core as the command line `gridplanner partition`: the same layer, number of grids and seed give the same grouping.

Households field: the households of each grid unit.
Number of grids: how many grids to make; 0 derives it from the target households per worker (total households ÷ target, rounded).
Worker capacities: optional, the workers of each grid separated by commas (a part-timer counts 0.5), e.g. 1,1,0.5; when given, the number of grids is their count.
Existing grid field: optional, the grid each unit belongs to today; used by minimal change and locks.
Locked field: optional, units with a true value (1/true/yes) stay in their existing grid.
Allowed deviation: relative to each grid's share (0.02 means ±2%); empty means the default of the command line `gridplanner partition`.
A target of households only picks the number of grids (total households ÷ target, rounded), as in `gridplanner balance`; with worker capacities the number of grids is their count and the target is not used.

Outputs: the units with a `part` field (and, with an existing grid field, `part_grid`: the existing grid the part continues), the grids dissolved by part, and a report table per grid (households, target, deviation, contiguity, compactness).</translation>
    </message>
    <message>
        <source>在 gridplanner 项目中重新平衡一个范围 (街道、社区或综合网格), 与桌面程序的“重新平衡…”和命令行 gridplanner balance 使用同一个请求解析: 相同的请求和随机种子得到相同的方案。

方式: 保留现有网格并按网格员均衡负荷; 按目标户数重划 (每名网格员的目标户数, 留空时用方案中该范围的设置); 按网格数重划。
最小变动: 从现有网格出发, 尽量少移动住户。
允许偏差: 相对于各网格份额的偏差 (0.05 即 ±5%); 留空时自动选择。
锁定: 保持不变的网格编码, 逗号分隔。
待补岗位: 没有网格员但要接收住户的网格编码 (all 表示全部); 其余没有网格员的网格不接收住户。

输出: 新的项目文件 (原文件不变)、新方案的网格图层, 以及可选的 JSON 报告 (每组的偏差、需增加的网格员 workers_needed)。</source>
        <translation>Rebalances one scope (street, community or comprehensive grid) of a gridplanner project, resolving the request exactly as the desktop app's "Rebalance…" and the command line `gridplanner balance` do: the same request and seed give the same plan.

Mode: keep today's grids and even out the load by workers; redesign by a target of households per worker (empty: the scope's target in the plan's settings); redesign by a number of grids.
Minimal change: start from today's grids and move as few households as possible.
Tolerance: the deviation allowed from each grid's share (0.05 means ±5%); empty chooses automatically.
Locked: codes of grids kept exactly as they are, comma separated.
Vacancies: codes of grids without a worker that are to receive households (all: every such grid); other grids without a worker receive none.

Outputs: a new project file (the input is not changed), the grid layer of the new plan, and an optional JSON report (each group's deviations and the workers needed, workers_needed).</translation>
    </message>
</context>
</TS>
